"""Pushdown parity: PostgreSQL and MariaDB give exactly DuckDB's results.

Each test builds the same two tables in the real database, validates them once by reading
the rows into DuckDB and once through the planner (pushed checks in the database, the rest
in DuckDB, merged), and compares what a user sees: counts, observed values, outcomes and
the failure file rows (rule, key, values).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
import sqlalchemy as sa
from sqlalchemy.dialects import mysql
from sqlalchemy.engine import make_url

from vmsdq.checks import compile_entity
from vmsdq.checks.model import CompiledEntity
from vmsdq.core.results import EntityResult
from vmsdq.core.words import Outcome
from vmsdq.core.workspace import Workspace
from vmsdq.engine.duckdb_backend import DuckDBBackend
from vmsdq.engine.planner import Pushed, merge, push
from vmsdq.engine.sql_backend import SqlBackend
from vmsdq.sources.sql import SqlSource
from vmsdq.spec.models import EntitySpec, SqlSourceSpec

pytestmark = pytest.mark.integration

NOW = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)
NEWEST = datetime(2024, 5, 31, 8, 0, 0, 250_000)  # fractions survive casts (MariaDB: (6))
ORGS = [(10, "Org A"), (20, "Org B")]
ROWS = [
    # id, email, status, hours, joined, code, org, updated
    (1, "a@x.org", "Active", 10.5, date(2024, 1, 1), "V00000001", 10, NEWEST),
    (2, "a@x.org", "Active", -1.0, date(2024, 1, 2), "V00000002", 20, datetime(2024, 5, 1)),
    (3, None, "Paused", 5.0, date(2024, 1, 3), "bad", 30, None),
    (4, "  ", "Inactive", 20000.0, date(2019, 12, 31), "V00000004", None, None),
    (5, "e@x.org", None, None, None, "V00000005", 10, datetime(2024, 2, 29, 23, 59, 59)),
    (6, "f@x.org", "Active", 7.0, date(2024, 3, 1), "V000000066", 99, None),
    (7, "\t\n", "active", 0.0, date(2024, 1, 4), "V00000007", 20, None),  # blank, case
    (8, "e@x.org ", "Active ", 3.0, date(2024, 1, 5), "V00000008", 10, None),  # trailing space
]
RULES = [
    {"name": "active_has_hours", "type": "expression",
     "when": "status = 'Active'", "check": "hours > 0", "columns": ["hours"]},
    {"name": "has_rows", "type": "row_count", "min": 1},
    {"name": "few_active", "type": "row_count", "max": 2, "where": "status = 'Active'"},
    {"name": "no_rows_paused", "type": "row_count", "max": 0, "where": "status = 'Paused'"},
    {"name": "updated_daily", "type": "freshness", "field": "updated", "max_age": "1d"},
    {"name": "updated_monthly", "type": "freshness", "field": "updated", "max_age": "30d"},
    {"name": "joined_recently", "type": "freshness", "field": "joined", "max_age": "100d"},
]  # fmt: skip


TIMESTAMP = sa.DateTime().with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb")


# One rule per function a database's capabilities let through (``Capabilities.functions``)
FUNCTION_RULES = {
    "Coalesce": "coalesce(hours, 0) >= 0",
    "Length": "length(email) < 8",
    "Trim": "trim(email) = email",
    "Lower": "lower(status) = 'active'",
    "Upper": "upper(status) <> 'ACTIVE'",
    "Abs": "abs(hours) < 100",
    "Replace": "replace(email, '@', '') <> email",
    "Nullif": "nullif(status, 'Paused') IS NOT NULL",
    "Year": "year(joined) = 2024",
    "Month": "month(joined) <= 2",
    "Day": "day(joined) < 3",
    "DateDiff": " AND ".join(
        f"date_diff('{unit}', joined, updated) > {n}"
        for unit, n in [("year", -1), ("month", 3), ("day", 100), ("hour", 3000), ("minute", 1e5)]
    ),
    "Concat": "concat(status, code) <> 'ActiveV00000001'",
}
LITERALS = "code <> 'V :code' AND email NOT LIKE '%.com' AND status <> '100%'"  # sent verbatim
SUM_RULE = {"name": "fn_sum", "type": "aggregate", "related": "volunteer", "foreign_key": "id",
            "function": "sum", "column": "hours", "compare": "=", "field": "hours"}  # fmt: skip


@dataclass
class Tables:
    url: str
    volunteer: str
    org: str


def volunteer(tables: Tables, extra: list[dict[str, Any]] | None = None) -> EntitySpec:
    fields: dict[str, Any] = {
        "id": {"type": "integer", "required": True, "unique": True},
        "email": {"required": True, "unique": True, "length": 40},
        "status": {"required": True, "allowed": ["Active", "Inactive"]},
        "hours": {"type": "number", "min": 0, "max": 10000},
        "joined": {"type": "date", "min": "2020-01-01"},
        "code": {"format": {"format": "regex", "pattern": "^V[0-9]{8}$"}},
        "org": {"type": "integer", "references": "org"},
        "updated": {"type": "timestamp", "max": "2024-05-31 08:00:00"},
    }
    return EntitySpec.model_validate(
        {"entity": "volunteer", "key": "id", "sources": {"vms": {"table": tables.volunteer}},
         "fields": fields, "rules": RULES + (extra or [])}
    )  # fmt: skip


def org(tables: Tables) -> EntitySpec:
    return EntitySpec.model_validate(
        {"entity": "org", "key": "id", "sources": {"vms": {"table": tables.org}},
         "fields": {"id": {"type": "integer", "required": True}, "name": {"required": True}}}
    )  # fmt: skip


@contextmanager
def built(url: str, hours: sa.types.TypeEngine[Any] | None = None) -> Iterator[Tables]:
    """The volunteer and org tables in the database at ``url``, dropped afterwards.

    ``hours``: another column type for hours (text: values stored as their text).
    """
    hours = hours if hours is not None else sa.Numeric(10, 2)
    suffix = uuid.uuid4().hex[:10]
    meta = sa.MetaData()
    vol = sa.Table(
        f"h7_vol_{suffix}", meta,
        sa.Column("id", sa.Integer), sa.Column("email", sa.String(80)),
        sa.Column("status", sa.String(20)), sa.Column("hours", hours),
        sa.Column("joined", sa.Date), sa.Column("code", sa.String(20)),
        sa.Column("org", sa.Integer), sa.Column("updated", TIMESTAMP),
    )  # fmt: skip
    orgs = sa.Table(
        f"h7_org_{suffix}", meta, sa.Column("id", sa.Integer), sa.Column("name", sa.String(40))
    )
    engine = sa.create_engine(url)
    meta.create_all(engine)
    try:
        with engine.begin() as conn:
            conn.execute(orgs.insert(), [dict(zip(("id", "name"), r, strict=True)) for r in ORGS])
            text = isinstance(hours, sa.String)
            rows = [
                r[:3] + ((str(r[3]) if text and r[3] is not None else r[3]),) + r[4:] for r in ROWS
            ]
            conn.execute(vol.insert(), [dict(zip(vol.c.keys(), r, strict=True)) for r in rows])
        yield Tables(url, vol.name, orgs.name)
    finally:
        meta.drop_all(engine)
        engine.dispose()


@pytest.fixture(params=["postgres", "mariadb"])
def tables(request: pytest.FixtureRequest) -> Iterator[Tables]:
    with built(str(request.getfixturevalue(f"{request.param}_url"))) as found:
        yield found


@pytest.fixture
def pg_tables(postgres_url: str) -> Iterator[Tables]:
    with built(postgres_url) as found:
        yield found


@pytest.fixture
def maria_tables(mariadb_url: str) -> Iterator[Tables]:
    with built(mariadb_url) as found:
        yield found


def pushed_alone(tables: Tables, folder: Path) -> tuple[CompiledEntity, Pushed]:
    """``push`` of the volunteer entity, with nothing run from the rows."""
    spec_map = specs(tables)
    entity = compile_entity(spec_map["volunteer"], spec_map)
    backend = SqlBackend.for_url(make_url(tables.url))
    assert backend is not None
    found = source(tables.url, folder).tables(spec_map)
    return entity, push(entity, backend, found, failures_dir=folder, now=NOW)


def source(url: str, tmp_path: Path) -> SqlSource:
    spec = SqlSourceSpec(type="sql", url=url)
    return SqlSource("vms", spec, root=tmp_path, workspace=Workspace.at(tmp_path / "artifacts"))


def specs(tables: Tables) -> dict[str, EntitySpec]:
    return {"volunteer": volunteer(tables), "org": org(tables)}


def read_rows(
    entity: CompiledEntity, spec_map: dict[str, EntitySpec], url: str, folder: Path
) -> EntityResult:
    """The reference: every row read into DuckDB."""
    sql = source(url, folder)
    snapshots = {name: sql.read(spec) for name, spec in spec_map.items()}
    [result] = DuckDBBackend(threads=1).validate(
        [entity], snapshots, failures_dir=folder / "failures", now=NOW
    )
    return result


def pushed_run(
    entity: CompiledEntity, spec_map: dict[str, EntitySpec], url: str, folder: Path
) -> tuple[EntityResult, list[str]]:
    """Through the planner: pushed checks in the database, the rest from the rows."""
    backend = SqlBackend.for_url(make_url(url))
    assert backend is not None
    tables = source(url, folder).tables(spec_map)
    outcome = push(entity, backend, tables, failures_dir=folder / "failures", now=NOW)
    assert outcome.result is not None
    pushed = [r.rule for r in outcome.result.rules]
    if outcome.remaining is None:
        return outcome.result, pushed
    local = read_rows(outcome.remaining, spec_map, url, folder)
    return merge(entity, outcome.result, local), pushed


def seen(result: EntityResult) -> dict[str, tuple[int, int, float | None, Outcome]]:
    return {r.rule: (r.evaluated, r.failed, r.observed, r.outcome) for r in result.rules}


def failures(result: EntityResult) -> list[tuple[str, str, dict[str, Any]]]:
    assert result.failures_path is not None
    rows = pq.read_table(result.failures_path).to_pylist()
    return sorted((r["rule"], r["key"], json.loads(r["values"])) for r in rows)


def test_pushdown_matches_duckdb(tables: Tables, tmp_path: Path) -> None:
    spec_map = specs(tables)
    entity = compile_entity(spec_map["volunteer"], spec_map)
    expected = read_rows(entity, spec_map, tables.url, tmp_path / "read")
    result, pushed = pushed_run(entity, spec_map, tables.url, tmp_path / "pushed")

    assert seen(result) == seen(expected)
    assert failures(result) == failures(expected)
    assert result.rows == expected.rows == len(ROWS)
    assert result.failures_path == str(tmp_path / "pushed" / "failures" / "volunteer.parquet")
    assert sorted(p.name for p in (tmp_path / "pushed" / "failures").iterdir()) == [
        "volunteer.parquet"
    ]
    table_checks = {c.name for c in entity.checks if c.scope == "table"}
    assert table_checks <= set(pushed)  # row_count (with where) and freshness: aggregates
    assert {"volunteer.id.unique", "volunteer.org.references"} <= set(pushed)


def test_table_checks_give_duckdbs_outcomes_and_values(tables: Tables, tmp_path: Path) -> None:
    spec_map = specs(tables)
    entity = compile_entity(spec_map["volunteer"], spec_map)
    result, _ = pushed_run(entity, spec_map, tables.url, tmp_path)
    got = seen(result)
    age = (NOW.replace(tzinfo=None) - NEWEST).total_seconds()  # 28 h less a quarter second
    joined_age = (NOW.replace(tzinfo=None) - datetime(2024, 3, 1)).total_seconds()
    assert got["volunteer.has_rows"] == (1, 0, 8.0, Outcome.passed)
    assert got["volunteer.few_active"] == (1, 1, 3.0, Outcome.failed)
    assert got["volunteer.no_rows_paused"] == (1, 1, 1.0, Outcome.failed)
    assert got["volunteer.updated_daily"] == (1, 1, age, Outcome.warn)
    assert got["volunteer.updated_monthly"] == (1, 0, age, Outcome.passed)
    assert got["volunteer.joined_recently"] == (1, 0, joined_age, Outcome.passed)
    found = failures(result)
    assert ("volunteer.org.references", "3", {"org": "30"}) in found
    assert ("volunteer.hours.range", "4", {"hours": "20000.0"}) in found
    assert ("volunteer.updated.range", "1", {"updated": "2024-05-31 08:00:00.25"}) in found
    # text compares byte for byte: 'active' and 'Active ' are not allowed, and 'e@x.org '
    # is not a duplicate of 'e@x.org'
    allowed = [key for rule, key, _ in found if rule == "volunteer.status.allowed"]
    assert allowed == ["3", "7", "8"]
    assert [k for r, k, _ in found if r == "volunteer.email.unique"] == ["1", "2"]
    assert [k for r, k, _ in found if r == "volunteer.email.required"] == ["3", "4", "7"]


def test_functions_the_capabilities_allow_match_duckdb(tables: Tables, tmp_path: Path) -> None:
    rules = [{"name": f"fn_{name.lower()}", "type": "expression", "check": check}
             for name, check in FUNCTION_RULES.items()]  # fmt: skip
    rules.append({"name": "literals", "type": "expression", "check": LITERALS})
    spec_map = {"volunteer": volunteer(tables, rules + [SUM_RULE]), "org": org(tables)}
    entity = compile_entity(spec_map["volunteer"], spec_map)
    expected = read_rows(entity, spec_map, tables.url, tmp_path / "read")
    result, pushed = pushed_run(entity, spec_map, tables.url, tmp_path / "pushed")
    assert seen(result) == seen(expected)
    assert failures(result) == failures(expected)
    backend = SqlBackend.for_url(make_url(tables.url))
    assert backend is not None and backend.capabilities.functions is not None
    allowed = backend.capabilities.functions
    assert {f"volunteer.fn_{n.lower()}" for n in FUNCTION_RULES if n in allowed} <= set(pushed)
    assert {f"volunteer.fn_{n.lower()}" for n in FUNCTION_RULES if n not in allowed}.isdisjoint(
        pushed
    )
    assert {"volunteer.fn_sum", "volunteer.literals"} <= set(pushed)
    assert set(FUNCTION_RULES) | {"Sum", "Count", "Min", "Max"} >= allowed


def test_postgres_runs_every_check_in_the_database(pg_tables: Tables, tmp_path: Path) -> None:
    """Without strict formats every rule goes down: the planner leaves DuckDB nothing."""
    entity, outcome = pushed_alone(pg_tables, tmp_path)
    expected = read_rows(entity, specs(pg_tables), pg_tables.url, tmp_path / "read")
    assert outcome.remaining is None and outcome.reasons == {}
    assert outcome.result is not None
    assert seen(outcome.result) == seen(expected)
    assert failures(outcome.result) == failures(expected)
    assert outcome.result.failures_path == str(tmp_path / "volunteer.parquet")
    count = len(entity.checks)
    assert outcome.result.message == f"{count} of {count} checks ran in the database"


def test_mariadb_sends_regex_checks_back_to_the_rows(maria_tables: Tables, tmp_path: Path) -> None:
    _, outcome = pushed_alone(maria_tables, tmp_path)
    assert outcome.remaining is not None
    assert "regular expressions differ from RE2" in outcome.reasons["volunteer.code.format"]
    assert "volunteer.code.format" in {c.name for c in outcome.remaining.checks}
    assert outcome.remaining.needs == ()  # the reference to org went down with the rest
    assert outcome.result is not None
    assert outcome.result.failures_path == str(tmp_path / "volunteer.pushed.parquet")


@pytest.mark.parametrize("database", ["postgres", "mariadb"])
def test_a_column_that_does_not_cast_safely_stays_in_duckdb(
    request: pytest.FixtureRequest, database: str, tmp_path: Path
) -> None:
    """hours is text in the database: its casts to DOUBLE would not be DuckDB's TRY_CAST."""
    url = str(request.getfixturevalue(f"{database}_url"))
    with built(url, hours=sa.String(20)) as tables:
        spec_map = specs(tables)
        entity = compile_entity(spec_map["volunteer"], spec_map)
        expected = read_rows(entity, spec_map, url, tmp_path / "read")
        result, pushed = pushed_run(entity, spec_map, url, tmp_path / "pushed")
    assert seen(result) == seen(expected)
    assert failures(result) == failures(expected)
    hours = {"volunteer.hours.type", "volunteer.hours.range", "volunteer.active_has_hours"}
    assert not hours & set(pushed)
    assert "volunteer.has_rows" in pushed


def test_a_missing_column_leaves_the_entity_to_the_rows(tables: Tables, tmp_path: Path) -> None:
    spec_map = specs(tables)
    spec = spec_map["volunteer"]
    fields = {**spec.model_dump(by_alias=True)["fields"], "phone": {"required": True}}
    spec_map["volunteer"] = EntitySpec.model_validate(
        {**spec.model_dump(by_alias=True, exclude_none=True), "fields": fields}
    )
    entity = compile_entity(spec_map["volunteer"], spec_map)
    backend = SqlBackend.for_url(make_url(tables.url))
    assert backend is not None
    outcome = push(
        entity,
        backend,
        source(tables.url, tmp_path).tables(spec_map),
        failures_dir=tmp_path,
        now=NOW,
    )
    assert outcome.result is None and outcome.remaining is entity
    assert "column 'phone' is missing" in outcome.reasons["volunteer.id.required"]


def test_a_query_entity_is_not_pushed(tables: Tables, tmp_path: Path) -> None:
    spec = org(tables).model_dump(by_alias=True, exclude_none=True)
    spec["sources"] = {"vms": {"query": f"SELECT id, name FROM {tables.org}"}}
    spec_map = {"org": EntitySpec.model_validate(spec)}
    entity = compile_entity(spec_map["org"], spec_map)
    backend = SqlBackend.for_url(make_url(tables.url))
    assert backend is not None
    tables_found = source(tables.url, tmp_path).tables(spec_map)
    outcome = push(entity, backend, tables_found, failures_dir=tmp_path, now=NOW)
    assert tables_found == {} and outcome.result is None and outcome.remaining is entity
    assert "has no table in this database" in outcome.reasons["org.id.required"]


def test_an_unreachable_database_pushes_nothing(tables: Tables, tmp_path: Path) -> None:
    spec_map = specs(tables)
    entity = compile_entity(spec_map["org"], spec_map)
    url = make_url(tables.url).set(port=1, password="s3cret")
    backend = SqlBackend.for_url(url)
    assert backend is not None
    tables_found = source(tables.url, tmp_path).tables(spec_map)
    outcome = push(entity, backend, tables_found, failures_dir=tmp_path, now=NOW)
    assert outcome.result is None and outcome.remaining is entity
    reason = outcome.reasons["org.id.required"]
    assert "pushdown to" in reason and "s3cret" not in reason


def test_fields_named_apart_from_their_columns_match_duckdb(tables: Tables, tmp_path: Path) -> None:
    """``source_name``: the checks read fields by name; pushed down they read the table's
    columns (here every field but the key has another name, the target's key too)."""
    fields: dict[str, Any] = {
        "id": {"type": "integer", "required": True, "unique": True},
        "mail": {"source_name": "email", "required": True, "unique": True},
        "state": {"source_name": "status", "allowed": ["Active", "Inactive"]},
        "worked": {"source_name": "hours", "type": "number", "min": 0},
        "org_id": {"source_name": "org", "type": "integer", "references": "team"},
    }
    rules = [{"name": "busy", "type": "expression", "when": "state = 'Active'",
              "check": "worked > 0", "columns": ["worked"]}]  # fmt: skip
    spec_map = {
        "volunteer": EntitySpec.model_validate(
            {"entity": "volunteer", "key": "id", "sources": {"vms": {"table": tables.volunteer}},
             "fields": fields, "rules": rules}
        ),
        "team": EntitySpec.model_validate(
            {"entity": "team", "key": "code", "sources": {"vms": {"table": tables.org}},
             "fields": {"code": {"source_name": "id", "type": "integer"}}}
        ),
    }  # fmt: skip
    entity = compile_entity(spec_map["volunteer"], spec_map)
    expected = read_rows(entity, spec_map, tables.url, tmp_path / "read")
    result, pushed = pushed_run(entity, spec_map, tables.url, tmp_path / "pushed")
    assert expected.status == "ok", expected.message
    assert seen(result) == seen(expected)
    assert failures(result) == failures(expected)
    assert {"volunteer.mail.unique", "volunteer.org_id.references", "volunteer.busy"} <= set(pushed)
    assert ("volunteer.org_id.references", "3", {"org_id": "30"}) in failures(result)


# Every kind of check that reads more than its own row, in each form the compiler has:
# duplicates (within a group, under a condition), references (filtered target, several
# columns, under a condition), aggregates over related rows (count, sum, count_distinct,
# filtered), row counts and freshness.
TABLE_KIND_RULES = [
    {"name": "status_in_org", "type": "unique", "columns": ["status"], "within": ["org"]},
    {"name": "email_if_active", "type": "unique", "columns": ["email"],
     "when": "status = 'Active'"},
    {"name": "org_not_b", "type": "reference", "columns": ["org"], "entity": "org",
     "where": "name <> 'Org B'"},
    {"name": "org_and_id", "type": "reference", "columns": ["org", "id"], "entity": "org",
     "target_columns": ["id", "id"], "when": "hours > 1"},
    {"name": "rows_a_key", "type": "aggregate", "related": "volunteer", "foreign_key": "id",
     "function": "count", "compare": "<=", "field": "org"},
    {"name": "busy_rows", "type": "row_count", "min": 1, "max": 5, "where": "hours > 0"},
    {"name": "fresh_in_a_year", "type": "freshness", "field": "updated", "max_age": "365d"},
]  # fmt: skip
ORG_RULES = [
    {"name": "active_hours", "type": "aggregate", "related": "volunteer", "foreign_key": "org",
     "function": "sum", "column": "hours", "compare": ">=", "field": "id",
     "where": "status = 'Active'"},
    {"name": "emails", "type": "aggregate", "related": "volunteer", "foreign_key": "org",
     "function": "count_distinct", "column": "email", "compare": "=", "field": "id",
     "when": "name <> 'Org A'"},
    {"name": "people", "type": "aggregate", "related": "volunteer", "foreign_key": "org",
     "function": "count", "compare": "<", "field": "id"},
    {"name": "two_orgs", "type": "row_count", "min": 2, "max": 2},
]  # fmt: skip


def test_every_table_kind_runs_in_the_database(tables: Tables, tmp_path: Path) -> None:
    """Uniqueness, references, aggregates, row counts, freshness: pushed, DuckDB's results."""
    spec = org(tables).model_dump(by_alias=True, exclude_none=True)
    spec_map = {
        "volunteer": volunteer(tables, TABLE_KIND_RULES),
        "org": EntitySpec.model_validate({**spec, "rules": ORG_RULES}),
    }
    for name in ("volunteer", "org"):
        entity = compile_entity(spec_map[name], spec_map)
        expected = read_rows(entity, spec_map, tables.url, tmp_path / name / "read")
        result, pushed = pushed_run(entity, spec_map, tables.url, tmp_path / name / "pushed")
        assert seen(result) == seen(expected)
        assert failures(result) == failures(expected)
        rules = {f"{name}.{r['name']}" for r in (TABLE_KIND_RULES if name == "volunteer"
                                                   else ORG_RULES)}  # fmt: skip
        assert rules <= set(pushed)
    got = seen(result)  # org: the failures show the rules really ran
    assert got["org.active_hours"][:2] == (2, 1)  # org 20: -1.0 hours of active volunteers
    assert got["org.emails"][:2] == (1, 1) and got["org.two_orgs"][1] == 0


METRIC_RULES = [
    {"name": f"m_{metric}", "type": "metric", "metric": metric, "field": field, "max": 1e6}
    for metric, field in [
        ("min", "hours"), ("max", "hours"), ("sum", "hours"), ("mean", "hours"),
        ("median", "hours"), ("stddev", "hours"), ("missing_count", "email"),
        ("missing_percent", "email"), ("distinct_count", "code"), ("duplicate_count", "org"),
        ("avg_length", "code"),
    ]
] + [
    {"name": "m_q", "type": "metric", "metric": "quantile", "quantile": 0.25, "field": "hours",
     "max": 1e6},
    {"name": "m_where", "type": "metric", "metric": "sum", "field": "hours", "max": 10,
     "where": "status = 'Active'", "fail_when": "failed > 0"},
]  # fmt: skip
SCHEMA = {"required_columns": ["id", "email", "phone"], "forbidden_columns": ["org"],
          "types": {"id": "integer", "hours": "number", "email": "integer"},
          "column_count": 8, "ordered": False}  # fmt: skip


def test_metric_and_schema_checks_give_duckdbs_results(tables: Tables, tmp_path: Path) -> None:
    """Metrics the database computes exactly as DuckDB are pushed, the others (mean,
    median, stddev, quantile, avg_length) run in DuckDB; schema checks read the catalog."""
    spec = volunteer(tables, METRIC_RULES).model_dump(by_alias=True, exclude_unset=True)
    spec_map = {"volunteer": EntitySpec.model_validate(spec | {"schema": SCHEMA}),
                "org": org(tables)}  # fmt: skip
    entity = compile_entity(spec_map["volunteer"], spec_map)
    expected = read_rows(entity, spec_map, tables.url, tmp_path / "read")
    result, pushed = pushed_run(entity, spec_map, tables.url, tmp_path / "pushed")
    assert seen(result) == seen(expected)
    messages = {r.rule: r.message for r in result.rules}
    assert messages == {r.rule: r.message for r in expected.rules}  # both from the catalog
    assert messages["volunteer.schema.types"] == (
        "column 'email' is string (varchar), expected integer"  # SQLAlchemy's type name
    )
    for name in ("min", "max", "sum", "missing_count", "missing_percent", "distinct_count",
                 "duplicate_count", "where"):  # fmt: skip
        assert f"volunteer.m_{name}" in pushed
    schema = {r.rule for r in result.rules if r.kind == "schema"}
    assert schema <= set(pushed)
    assert messages["volunteer.schema.required_columns"] == "missing column 'phone'"
    got = seen(result)
    assert got["volunteer.m_missing_percent"][2] == 37.5  # NULL and 2 blanks of 8 rows
    assert got["volunteer.m_where"][3] is Outcome.failed  # 10.5 - 1 + 7 > 10


KEY_IDS = ["17", "17.5", " 18", "18.0", "0x1F", "abc", "", None]


@pytest.mark.parametrize("database", ["postgres", "mariadb"])
def test_keys_as_the_table_holds_them_match_duckdb(
    request: pytest.FixtureRequest, database: str, tmp_path: Path
) -> None:
    """Ids in a text column. As a string key every check goes down and the keys are the text
    as stored (' 18', '', NULL), as DuckDB writes them. As an integer key nothing goes down
    (the text does not cast safely) and DuckDB writes the same text."""
    url = str(request.getfixturevalue(f"{database}_url"))
    meta = sa.MetaData()
    table = sa.Table(
        f"k_vol_{uuid.uuid4().hex[:10]}", meta,
        sa.Column("id", sa.String(30)), sa.Column("age", sa.Integer),
    )  # fmt: skip
    engine = sa.create_engine(url)
    meta.create_all(engine)
    results: dict[str, tuple[EntityResult, EntityResult, list[str]]] = {}
    try:
        with engine.begin() as conn:
            conn.execute(table.insert(), [{"id": i, "age": 200} for i in KEY_IDS])
        for key_type in ("string", "integer"):
            spec = EntitySpec.model_validate(
                {"entity": "kv", "key": "id", "sources": {"vms": {"table": table.name}},
                 "fields": {"id": {"type": key_type, "unique": True},
                            "age": {"type": "integer", "min": 0, "max": 120}}}
            )  # fmt: skip
            entity = compile_entity(spec, {"kv": spec})
            folder = tmp_path / key_type
            expected = read_rows(entity, {"kv": spec}, url, folder / "read")
            backend = SqlBackend.for_url(make_url(url))
            assert backend is not None
            found = source(url, folder).tables({"kv": spec})
            outcome = push(entity, backend, found, failures_dir=folder / "pushed", now=NOW)
            if outcome.remaining is None:
                assert outcome.result is not None
                results[key_type] = (
                    outcome.result,
                    expected,
                    [r.rule for r in outcome.result.rules],
                )
            else:
                assert outcome.result is None
                local = read_rows(outcome.remaining, {"kv": spec}, url, folder / "local")
                results[key_type] = (local, expected, [])
    finally:
        meta.drop_all(engine)
        engine.dispose()

    def rows(result: EntityResult, rule: str | None = None) -> list[Any]:
        assert result.failures_path is not None
        found = pq.read_table(result.failures_path).to_pylist()
        return sorted((r for r in found if rule in (None, r["rule"])), key=str)

    for result, expected, _ in results.values():
        assert seen(result) == seen(expected)
        assert rows(result) == rows(expected)
        ages = [r["key"] for r in rows(result, "kv.age.range")]
        assert sorted(ages, key=str) == sorted(KEY_IDS, key=str)  # NULL stays NULL
    text, _, pushed = results["string"]
    assert "kv.age.range" in pushed and "kv.id.unique" in pushed
    assert rows(text, "kv.id.unique") == []  # ' 18' and '18.0' are two strings
    number, _, pushed = results["integer"]
    assert pushed == []
    assert [r["key"] for r in rows(number, "kv.id.unique")] == [" 18", "18.0"]
    assert [r["key"] for r in rows(number, "kv.id.type")] == ["0x1F", "17.5", "abc"]
