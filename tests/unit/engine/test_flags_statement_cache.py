"""The flags statement is generated once per compiled entity and checks, and is the SQL a
fresh generation gives."""

from vmsdq.checks import compile_entity
from vmsdq.engine import rows
from vmsdq.engine.plan import RowPlan, create_flags, flags_select
from vmsdq.spec.models import EntitySpec

VOL = EntitySpec.model_validate(
    {
        "entity": "vol",
        "key": "id",
        "fields": {"id": {"required": True}, "age": {"type": "integer", "min": 0}},
    }
)


def _fresh(entity, plan):
    return create_flags(flags_select(plan, entity, entity.name)).sql(dialect="duckdb")


def test_the_same_objects_reuse_the_statement_and_others_get_their_own():
    compiled = compile_entity(VOL, {"vol": VOL})
    checks = [c for c in compiled.checks if c.scope == "row"]
    first = rows._flags_statement(compiled, RowPlan(list(checks)))
    again = rows._flags_statement(compiled, RowPlan(list(checks)))
    assert again is first  # generated once
    assert first == _fresh(compiled, RowPlan(list(checks)))
    fewer = rows._flags_statement(compiled, RowPlan(checks[:1]))
    assert fewer == _fresh(compiled, RowPlan(checks[:1])) and fewer != first
    recompiled = compile_entity(VOL, {"vol": VOL})  # equal, not the same objects
    other = rows._flags_statement(recompiled, RowPlan([c for c in recompiled.checks
                                                       if c.scope == "row"]))  # fmt: skip
    assert other == first and other is not first


def test_the_cache_keeps_a_bounded_number_of_statements():
    compiled = compile_entity(VOL, {"vol": VOL})
    checks = [c for c in compiled.checks if c.scope == "row"]
    for _ in range(rows.STATEMENTS_KEPT + 5):
        rows._flags_statement(compile_entity(VOL, {"vol": VOL}), RowPlan(list(checks)))
    assert len(rows._STATEMENTS) <= rows.STATEMENTS_KEPT
