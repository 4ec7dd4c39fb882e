import pytest

from vmsdq.checks import compile_entity
from vmsdq.core.errors import ConfigErrors
from vmsdq.core.words import Dimension, Outcome
from vmsdq.engine.testing import TableCase

ORG = {
    "entity": "org",
    "key": "org_id",
    "fields": {"org_id": {}, "active": {"type": "boolean"}, "code": {}},
}
ORGS = [
    {"org_id": "o1", "active": "true", "code": "A"},
    {"org_id": "o2", "active": "false", "code": "B"},
    {"org_id": "o2", "active": "true", "code": "B"},  # duplicate target keys join once
]


def test_references_the_target_key(tmp_path):
    case = (
        TableCase("vol", {"id": {}, "org": {"references": "org"}})
        .with_entity(ORG, ORGS)
        .rows(
            {"id": "1", "org": "o1"},
            {"id": "2", "org": "o9"},
            {"id": "3", "org": None},
            {"id": "4", "org": "o2"},
        )
    )
    result = case.run(tmp_path)
    rule = result.rule("vol.org.references")
    assert (rule.evaluated, rule.failed) == (3, 1)
    assert rule.dimension is Dimension.integrity
    assert result.failing("vol.org.references") == ["2"]
    assert result.entity("vol").rows == 4  # the join never duplicates rows


def test_references_a_filtered_target_field(tmp_path):
    fields = {
        "id": {},
        "org": {"references": {"entity": "org", "field": "code", "where": "active"}},
    }
    case = (
        TableCase("vol", fields)
        .with_entity(ORG, ORGS[:2])
        .rows({"id": "1", "org": "A"}, {"id": "2", "org": "B"})
    )
    assert case.run(tmp_path).failing("vol.org.references") == ["2"]


def test_dotted_shorthand(tmp_path):
    case = TableCase("vol", {"id": {}, "org": {"references": "org.code"}}).with_entity(ORG, ORGS)
    case.rows({"id": "1", "org": "A"}, {"id": "2", "org": "o1"})
    assert case.run(tmp_path).failing("vol.org.references") == ["2"]


def test_unknown_target_is_a_config_error():
    spec = TableCase("vol", {"id": {}, "org": {"references": "nowhere"}}).spec()
    with pytest.raises(ConfigErrors, match="rule 'vol.org.references': unknown entity 'nowhere'"):
        compile_entity(spec, {"vol": spec})


def test_target_not_read_in_the_run_is_an_error_outcome(tmp_path):
    import pyarrow as pa

    from vmsdq.core.snapshots import Snapshot
    from vmsdq.engine.duckdb_backend import DuckDBBackend
    from vmsdq.spec.models import EntitySpec

    vol = TableCase("vol", {"id": {}, "org": {"references": "org"}}).spec()
    org = EntitySpec.model_validate(ORG)
    compiled = compile_entity(vol, {"vol": vol, "org": org})
    snap = Snapshot("vol", "mem", table=pa.table({"id": ["1"], "org": ["o1"]}))
    [result] = DuckDBBackend().validate(
        [compiled],
        {"vol": snap},
        failures_dir=tmp_path,
        now=__import__("datetime").datetime.now(),
    )
    rule = result.rules[0]
    assert rule.outcome is Outcome.error
    assert rule.message == "entity 'org' was not read in this run"


LOCATION = {"entity": "location", "key": "loc_id", "fields": {"loc_id": {}}}


def test_two_references_to_one_entity_join_it_once_each(tmp_path):
    """A trip's origin and destination both point at locations: each is checked on its own."""
    fields = {
        "id": {},
        "origin": {"references": "location"},
        "destination": {"references": "location"},
    }
    rules = [{"name": "via_known", "type": "reference", "entity": "location", "columns": ["via"]}]
    case = (
        TableCase("trip", {**fields, "via": {}}, rules)
        .with_entity(LOCATION, [{"loc_id": "L1"}, {"loc_id": "L2"}])
        .rows(
            {"id": "1", "origin": "L1", "destination": "L9", "via": "L2"},
            {"id": "2", "origin": "L8", "destination": "L2", "via": "L7"},
            {"id": "3", "origin": "L2", "destination": "L1", "via": None},
        )
    )
    result = case.run(tmp_path)
    assert result.failing("trip.origin.references") == ["2"]
    assert result.failing("trip.destination.references") == ["1"]
    assert result.failing("trip.via_known") == ["2"]
    assert result.entity("trip").rows == 3
    [destination] = [
        f for f in result.failures("trip") if f["rule"] == "trip.destination.references"
    ]
    assert destination["values"] == {"destination": "L9"}


def test_pushdown_sql_joins_each_reference_on_its_own_column():
    from vmsdq.engine.plan import RowPlan, flags_select
    from vmsdq.spec.models import EntitySpec

    trip = TableCase(
        "trip",
        {"id": {}, "origin": {"references": "location"}, "dest": {"references": "location"}},
    ).spec()
    location = EntitySpec.model_validate(LOCATION)
    compiled = compile_entity(trip, {"trip": trip, "location": location})
    sql = flags_select(RowPlan(list(compiled.checks)), compiled, "trip").sql("postgres")
    assert sql.count("LEFT JOIN") == 2
    assert '"base"."origin" = "ref_location_' in sql and '"base"."dest" = "ref_location_' in sql


def test_one_alias_joined_on_two_conditions_is_refused():
    from sqlglot import exp

    from vmsdq.checks.model import Check, Relation
    from vmsdq.core.words import Severity
    from vmsdq.engine.plan import relations

    query = exp.select("1")
    checks = [
        Check(
            f"r{i}", "trip", "reference", Dimension.integrity, Severity.error, 1.0, "",
            relations=(Relation("ref_x", query, exp.column(name).eq(exp.column("k0", "ref_x"))),),
        )
        for i, name in enumerate(["origin", "destination"])
    ]  # fmt: skip
    with pytest.raises(ValueError, match="joined on two conditions"):
        relations(checks)


def test_relations_cast_exactly_like_the_rows(tmp_path):
    # a unique group, a reference target and an order see the same typed values as the
    # type rule: '17.5' is not the integer 18 and '24-01-01' is not the year 24 (TRY_CAST
    # alone rounds and reads both)
    case = TableCase(
        "vol",
        {
            "id": {},
            "badge": {"type": "integer", "unique": True},
            "org": {"type": "integer", "references": "org.code"},
        },
    )
    case.with_entity(
        {"entity": "org", "key": "code", "fields": {"code": {"type": "integer"}}},
        [{"code": "17.5"}, {"code": "3"}],
    )
    case.rows(
        {"id": "1", "badge": "18", "org": "3"},
        {"id": "2", "badge": "17.5", "org": "18"},
        {"id": "3", "badge": "19", "org": "17"},
    )
    result = case.run(tmp_path)
    assert result.failing("vol.badge.type") == ["2"]
    assert result.failing("vol.badge.unique") == []  # 18 once; 17.5 is no integer
    # the target's '17.5' is no code: neither 18 nor 17 finds it
    assert result.failing("vol.org.references") == ["2", "3"]
