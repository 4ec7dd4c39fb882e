"""Pushdown parity: the same counts and failing keys in PostgreSQL as in DuckDB."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pyarrow.parquet as pq
import pytest
import sqlalchemy as sa

from vmsdq.checks import compile_entity
from vmsdq.engine.duckdb_backend import DuckDBBackend
from vmsdq.engine.pushdown import PushdownBackend
from vmsdq.sources.sql import SqlSource
from vmsdq.spec.models import EntitySpec, SqlSourceSpec

pytestmark = pytest.mark.integration

ROWS = [
    # id, email, status, hours, joined, code
    (1, "a@x.org", "Active", 10.5, "2024-01-01", "V00000001"),
    (2, "a@x.org", "Active", -1.0, "2024-01-02", "V00000002"),  # dup email, hours < 0
    (3, None, "Paused", 5.0, "2024-01-03", "bad"),  # missing email, bad status, bad code
    (4, "  ", "Inactive", 20000.0, "2019-12-31", "V00000004"),  # blank email, range
    (5, "e@x.org", None, None, None, "V00000005"),  # missing status
    (6, "f@x.org", "Active", 7.0, "2024-03-01", "V000000066"),  # code too long
]


def entity(table: str) -> EntitySpec:
    return EntitySpec.model_validate(
        {
            "entity": "volunteer",
            "key": "id",
            "sources": {"vms": {"table": table}},
            "fields": {
                "id": {"type": "integer", "required": True, "unique": True},
                "email": {"required": True, "unique": True, "length": 40},
                "status": {"required": True, "allowed": ["Active", "Inactive"]},
                "hours": {"type": "number", "min": 0, "max": 10000},
                "joined": {"type": "date", "min": "2020-01-01"},
                "code": {"format": {"format": "regex", "pattern": "^V[0-9]{8}$"}},
            },
            "rules": [
                {"name": "active_has_hours", "type": "expression",
                 "when": "status = 'Active'", "check": "hours > 0"},
            ],
        }
    )  # fmt: skip


@pytest.fixture
def table(postgres_url: str) -> Iterator[str]:
    name = f"h7_push_{uuid.uuid4().hex[:10]}"
    engine = sa.create_engine(postgres_url)
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                f"CREATE TABLE {name} (id INTEGER, email TEXT, status TEXT, hours NUMERIC, "
                "joined DATE, code TEXT)"
            )
        )
        conn.execute(
            sa.text(f"INSERT INTO {name} VALUES (:i, :e, :s, :h, CAST(:j AS DATE), :c)"),
            [dict(zip("iesh" + "jc", row, strict=True)) for row in ROWS],
        )
    yield name
    with engine.begin() as conn:
        conn.execute(sa.text(f"DROP TABLE {name}"))
    engine.dispose()


def duckdb_run(spec: EntitySpec, url: str, tmp_path: Path) -> tuple[dict, dict]:
    source = SqlSource("vms", SqlSourceSpec(type="sql", url=url), root=tmp_path, artifacts=tmp_path)
    compiled = compile_entity(spec, {spec.entity: spec})
    [result] = DuckDBBackend(threads=1).validate(
        [compiled],
        {spec.entity: source.read(spec)},
        run_id="r",
        failures_dir=tmp_path,
        now=datetime(2024, 6, 1, tzinfo=UTC),
    )
    counts = {r.rule: (r.evaluated, r.failed) for r in result.rules}
    keys: dict[str, set[str]] = {}
    for row in pq.read_table(result.failures_path).to_pylist():
        keys.setdefault(row["rule"], set()).add(row["key"])
    return counts, keys


def test_postgres_pushdown_matches_duckdb(postgres_url: str, table: str, tmp_path: Path) -> None:
    spec = entity(table)
    compiled = compile_entity(spec, {spec.entity: spec})
    pushed = PushdownBackend(postgres_url).validate(compiled, {"volunteer": table})
    expected_counts, expected_keys = duckdb_run(spec, postgres_url, tmp_path)
    assert not pushed.fallback, pushed.reasons
    assert pushed.result.rows == len(ROWS)
    counts = {r.rule: (r.evaluated, r.failed) for r in pushed.result.rules}
    assert counts == expected_counts
    assert {rule: keys for rule, keys in pushed.failing.items() if keys} == expected_keys
    assert expected_keys["volunteer.email.unique"] == {"1", "2"}
    assert expected_keys["volunteer.code.format"] == {"3", "6"}


def test_mysql_capabilities_send_regex_checks_back_to_the_rows(
    mariadb_url: str, tmp_path: Path
) -> None:
    name = f"h7_push_{uuid.uuid4().hex[:10]}"
    engine = sa.create_engine(mariadb_url)
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                f"CREATE TABLE {name} (id INTEGER, email VARCHAR(80), "
                "status VARCHAR(20), hours DOUBLE, joined DATE, code VARCHAR(20))"
            )
        )
        conn.execute(
            sa.text(f"INSERT INTO {name} VALUES (:i, :e, :s, :h, :j, :c)"),
            [dict(zip("iesh" + "jc", row, strict=True)) for row in ROWS],
        )
    try:
        spec = entity(name)
        compiled = compile_entity(spec, {spec.entity: spec})
        pushed = PushdownBackend(mariadb_url).validate(compiled, {"volunteer": name})
        expected_counts, _ = duckdb_run(spec, mariadb_url, tmp_path)
    finally:
        with engine.begin() as conn:
            conn.execute(sa.text(f"DROP TABLE {name}"))
        engine.dispose()
    assert "volunteer.code.format" in pushed.reasons
    assert "regular expressions" in pushed.reasons["volunteer.code.format"]
    counts = {r.rule: (r.evaluated, r.failed) for r in pushed.result.rules}
    assert counts and all(counts[rule] == expected_counts[rule] for rule in counts)


def test_sql_source_pushes_down_its_own_tables(
    postgres_url: str, table: str, tmp_path: Path
) -> None:
    spec = entity(table)
    source = SqlSource(
        "vms", SqlSourceSpec(type="sql", url=postgres_url), root=tmp_path, artifacts=tmp_path
    )
    pushed = source.pushdown(compile_entity(spec, {spec.entity: spec}), {spec.entity: spec})
    expected_counts, _ = duckdb_run(spec, postgres_url, tmp_path)
    assert {r.rule: (r.evaluated, r.failed) for r in pushed.result.rules} == expected_counts


def test_generated_sql_per_dialect() -> None:
    """RE2 full match becomes the database's regex; TRY_CAST only where the type fits."""
    from vmsdq.engine.pushdown import CAPABILITIES, PushdownBackend

    spec = entity("vol")
    compiled = compile_entity(spec, {spec.entity: spec})
    types = {"volunteer": {"id": "integer", "email": "text", "status": "text",
                          "hours": "numeric", "joined": "date", "code": "text"}}  # fmt: skip
    backend = PushdownBackend.__new__(PushdownBackend)
    backend.capabilities = CAPABILITIES["postgresql"]
    code = [c for c in compiled.checks if c.name == "volunteer.code.format"]
    sql = backend._sql(compiled, code, {"volunteer": "public.vol"}, types)
    assert sql is not None
    assert "~ '^(?:^V[0-9]{8}$)$'" in sql and "TRY_CAST" not in sql and "public.vol" in sql
    wrong = {"volunteer": {**types["volunteer"], "hours": "text"}}
    hours = [c for c in compiled.checks if c.name == "volunteer.hours.range"]
    assert backend._sql(compiled, hours, {"volunteer": "vol"}, wrong) is None  # text -> DOUBLE
    backend.capabilities = CAPABILITIES["mysql"]
    _, reasons = backend.plan(compiled, {"volunteer": "vol"}, types)
    assert "volunteer.code.format" in reasons and "volunteer.hours.range" not in reasons
