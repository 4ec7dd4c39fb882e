"""Every string of the spec models that reaches SQL goes through the sandbox: the escape
corpus against each one, at `vmsdq check` (file:line) and where it is used at run time."""

from __future__ import annotations

import types
import typing
from pathlib import Path
from typing import Annotated, Any, Union, get_args, get_origin

import pytest
import yaml
from escape_corpus import ATTACKS
from pydantic import BaseModel
from sqlglot import exp

from vmsdq.checks.sql import col, lit
from vmsdq.core.errors import ConfigError, ConfigErrors
from vmsdq.reconcile.mapping import filters
from vmsdq.sources.salesforce.soql import build_query, plan_of
from vmsdq.sources.sql_query import build_select, entity_relation
from vmsdq.spec import models as m
from vmsdq.spec.loader import load_project
from vmsdq.spec.plugins import load_plugins
from vmsdq.spec.refs import Entity, Expression, Fields
from vmsdq.spec.registry import field_model, rule_union, source_union
from vmsdq.spec.sqlstrings import NOT_SQL, SQL_STRINGS


def _leaves(tp: Any, out: list[Any]) -> None:
    origin = get_origin(tp)
    if origin is typing.Literal:
        return
    if origin is Annotated:
        _leaves(get_args(tp)[0], out)
    elif origin in (Union, types.UnionType, list, dict, tuple, set):
        for arg in get_args(tp):
            _leaves(arg, out)
    else:
        out.append(tp)


def _owner(model: type[BaseModel], name: str) -> str:
    for cls in model.__mro__:
        if name in getattr(cls, "__annotations__", {}):
            return cls.__name__
    return model.__name__


def string_fields() -> dict[str, list[Any]]:
    """ "Model.field" (the class declaring it) -> its markers, for every str-bearing field."""
    load_plugins()
    roots: list[Any] = [m.ProjectSpec, m.EntitySpec, field_model()]
    for union in (rule_union(), source_union()):
        _leaves(union, roots)
    found: dict[str, list[Any]] = {}
    seen: set[type] = set()

    def walk(model: type[BaseModel]) -> None:
        if model in seen:
            return
        seen.add(model)
        for name, info in model.model_fields.items():
            leaves: list[Any] = []
            _leaves(info.annotation, leaves)
            if str in leaves or Any in leaves:
                found[f"{_owner(model, name)}.{name}"] = list(info.metadata)
            for leaf in leaves:
                if isinstance(leaf, type) and issubclass(leaf, BaseModel):
                    walk(leaf)

    for root in roots:
        if isinstance(root, type) and issubclass(root, BaseModel):
            walk(root)
    return found


def test_every_string_field_is_classified() -> None:
    """A new string in the models must say whether and how it reaches SQL."""
    unclassified = [
        name
        for name, markers in string_fields().items()
        if name not in SQL_STRINGS
        and name not in NOT_SQL
        and not any(isinstance(x, Fields | Entity | Expression) for x in markers)
    ]
    assert unclassified == [], (
        f"classify {unclassified} in vmsdq/spec/sqlstrings.py (SQL_STRINGS with its sandbox, "
        "or NOT_SQL) or mark it with a vmsdq.spec.refs marker"
    )
    stale = sorted((set(SQL_STRINGS) | NOT_SQL) - set(string_fields()))
    assert stale == [], f"no such string fields any more: {stale}"


# ---- the corpus at `vmsdq check`: a project file carrying the attack -------------------

PROJECT = {
    "name": "hostile",
    "sources": {
        "vms": {"type": "files", "path": "data"},
        "db": {"type": "sql", "url": "duckdb://"},
    },
    "default_source": "vms",
}
ORG = {"entity": "org", "key": "id", "fields": {"id": {}, "kind": {}}}


def event(**extra: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "entity": "event",
        "key": "id",
        "fields": {"id": {}, "org_id": {}, "Name": {}, "capacity": {"type": "integer"}},
    }
    base.update(extra)
    return base


def expression_cases(attack: str) -> dict[str, dict[str, Any]]:
    """ "Model.field" of every Expression marker -> an event entity carrying ``attack`` there."""
    rule = {"name": "r"}
    return {
        "ExpressionRule.check": event(rules=[{**rule, "type": "expression", "check": attack}]),
        "MetricRule.where": event(
            rules=[
                {
                    **rule,
                    "type": "metric",
                    "metric": "sum",
                    "field": "capacity",
                    "max": 9,
                    "where": attack,
                }
            ]  # fmt: skip
        ),
        "ExpressionRule.when": event(
            rules=[{**rule, "type": "expression", "check": "capacity > 0", "when": attack}]
        ),
        "CompositeUniqueRule.when": event(
            rules=[{**rule, "type": "unique", "columns": ["Name"], "when": attack}]
        ),
        "AggregateRule.where": event(
            rules=[
                {
                    **rule,
                    "type": "aggregate",
                    "related": "org",
                    "foreign_key": "id",
                    "field": "capacity",
                    "where": attack,
                }
            ]
        ),  # fmt: skip
        "AggregateRule.when": event(
            rules=[
                {
                    **rule,
                    "type": "aggregate",
                    "related": "org",
                    "foreign_key": "id",
                    "field": "capacity",
                    "when": attack,
                }
            ]
        ),  # fmt: skip
        "ReferenceRule.where": event(
            rules=[
                {
                    **rule,
                    "type": "reference",
                    "columns": ["org_id"],
                    "entity": "org",
                    "where": attack,
                }
            ]
        ),  # fmt: skip
        "ReferenceRule.when": event(
            rules=[
                {
                    **rule,
                    "type": "reference",
                    "columns": ["org_id"],
                    "entity": "org",
                    "when": attack,
                }
            ]
        ),  # fmt: skip
        "RowCountRule.where": event(rules=[{**rule, "type": "row_count", "where": attack}]),
        "ReferenceOpts.where": event(
            fields={"id": {}, "org_id": {"references": {"entity": "org", "where": attack}}}
        ),
        "MonotonicRule.when": event(
            rules=[
                {
                    **rule,
                    "type": "monotonic",
                    "field": "capacity",
                    "order_by": ["id"],
                    "when": attack,
                }
            ]
        ),
        "RowCountCompareRule.where": event(
            rules=[{**rule, "type": "row_count_compare", "entity": "org", "where": attack}]
        ),
        "RowCountCompareRule.entity_where": event(
            rules=[{**rule, "type": "row_count_compare", "entity": "org", "entity_where": attack}]
        ),
    }


def sql_string_cases(attack: str) -> dict[str, dict[str, Any]]:
    """The SQL_STRINGS checked at `vmsdq check`, each carrying ``attack``."""
    mirror = {"object": "Contact", "match_on": "id", "fields": {"Name": "Name"}}
    return {
        "MirrorSpec.where": event(mirror={**mirror, "where": attack}),
        "EntitySource.query": event(sources={"db": {"query": f"SELECT * FROM t WHERE {attack}"}}),
        "EntitySource.table": event(sources={"db": {"table": attack}}),
        "MirrorSpec.object": event(mirror={**mirror, "object": attack}),
        "MirrorSpec.key": event(mirror={**mirror, "key": attack}),
        "MirrorSpec.modstamp": event(mirror={**mirror, "modstamp": attack}),
        "MirrorSpec.fields": event(mirror={**mirror, "fields": {"Name": attack}}),
        "MirrorField.field": event(mirror={**mirror, "fields": {"Name": {"field": attack}}}),
        "MirrorSpec.match_on": event(mirror={**mirror, "match_on": attack}),
        "EntitySource.updated_at": event(sources={"db": {"table": "t", "updated_at": attack}}),
    }


def checked(tmp_path: Path, entity: dict[str, Any]) -> str:
    (tmp_path / "entities").mkdir(exist_ok=True)
    (tmp_path / "vmsdq.yaml").write_text(yaml.safe_dump(PROJECT))
    (tmp_path / "entities" / "org.yaml").write_text(yaml.safe_dump(ORG))
    (tmp_path / "entities" / "event.yaml").write_text(yaml.safe_dump(entity, width=10**6))
    with pytest.raises((ConfigError, ConfigErrors)) as info:
        load_project(tmp_path)
    return str(info.value)


READS_ONLY_TABLES = {"EXISTS (SELECT 1)", "Name = 'a' UNION SELECT 1"}


def test_every_expression_marker_is_in_the_corpus_run() -> None:
    marked = {
        name
        for name, markers in string_fields().items()
        if any(isinstance(x, Expression) for x in markers)
    }
    assert marked == set(expression_cases("x")), "add the new expression field to the cases"


@pytest.mark.parametrize("attack", ATTACKS, ids=lambda a: a[:40])
def test_vmsdq_check_refuses_the_corpus_in_every_sql_string(tmp_path: Path, attack: str) -> None:
    cases = {**expression_cases(attack), **sql_string_cases(attack)}
    if attack in READS_ONLY_TABLES:  # a source query may hold subqueries and unions
        del cases["EntitySource.query"]
    for name, entity in cases.items():
        text = checked(tmp_path, entity)
        assert "entities/event.yaml:" in text, (name, text)
        assert "Traceback" not in text and "root:" not in text, (name, text)


def test_the_mirror_where_attack_of_the_issue_names_file_and_line(tmp_path: Path) -> None:
    attack = "Name IN (SELECT content FROM read_text('/etc/passwd'))"
    text = checked(tmp_path, event(mirror={"object": "Contact", "match_on": "id", "where": attack}))
    assert text.startswith(f"{tmp_path}/entities/event.yaml:") or "entities/event.yaml:" in text
    assert "mirror.where: IN takes a list of values" in text


def test_other_sql_strings_are_quoted_or_literal() -> None:
    """Names become quoted identifiers and values literals: the corpus reads back unchanged."""
    for attack in ATTACKS[:-1]:
        column = col(attack, table=None)
        assert exp.maybe_parse(column.sql("duckdb"), dialect="duckdb") == column
        literal = lit(attack)
        parsed = exp.maybe_parse(literal.sql("duckdb"), dialect="duckdb")
        assert isinstance(parsed, exp.Literal) and parsed.this == attack
    spec = m.EntitySpec.model_validate(
        {"entity": "e", "key": "id", "fields": {"id": {"source_name": ATTACKS[0]}}}
    )
    select = build_select(spec, exp.to_table("t"), [ATTACKS[0]], where="t")
    (projection,) = exp.maybe_parse(select.sql("postgres"), dialect="postgres").expressions
    assert projection.this.name == ATTACKS[0] and not list(projection.find_all(exp.Subquery))


# ---- the same strings at run time (a project loaded some other way still cannot escape) --


def mirrored(where: str | None = None, **mirror: Any) -> m.EntitySpec:
    declared = {"object": "Contact", "match_on": "id", "fields": {"Name": "Name"}, **mirror}
    if where is not None:
        declared["where"] = where
    return m.EntitySpec.model_validate(
        {"entity": "event", "key": "id", "fields": {"id": {}, "Name": {}}, "mirror": declared}
    )


@pytest.mark.parametrize("attack", ATTACKS, ids=lambda a: a[:40])
def test_run_time_uses_refuse_the_corpus(attack: str) -> None:
    with pytest.raises(ConfigError, match="mirror.where"):
        filters(mirrored(attack))  # our side of a reconciliation (DuckDB)
    with pytest.raises(ConfigError, match="mirror.where"):
        build_query(mirrored(attack))  # the Salesforce side (SOQL)
    sourced = m.EntitySpec.model_validate(
        {"entity": "event", "key": "id", "fields": {"id": {}},
         "sources": {"db": {"query": f"SELECT * FROM t WHERE {attack}"}}}
    )  # fmt: skip
    if attack not in READS_ONLY_TABLES:
        with pytest.raises(ConfigError, match="sources.db.query"):
            entity_relation("db", sourced, None, "duckdb")
    tabled = m.EntitySpec.model_validate(
        {"entity": "event", "key": "id", "fields": {"id": {}}, "sources": {"db": {"table": attack}}}
    )
    with pytest.raises(ConfigError, match="sources.db.table"):
        entity_relation("db", tabled, None, "duckdb")
    with pytest.raises(Exception, match="not a valid Salesforce object name"):
        plan_of(mirrored(object=attack))


def test_a_plain_source_query_and_mirror_filter_still_work() -> None:
    sourced = m.EntitySpec.model_validate(
        {"entity": "event", "key": "id", "fields": {"id": {}},
         "sources": {"db": {"query": "SELECT o.id FROM org o JOIN x ON x.id = o.id "
                                     "WHERE o.id IN (SELECT id FROM y) GROUP BY o.id"}}}
    )  # fmt: skip
    relation, _ = entity_relation("db", sourced, None, "postgres")
    assert "JOIN x" in relation.sql("postgres")
    assert filters(mirrored("Name = 'x' AND Name LIKE 'a%'")).ours is not None
