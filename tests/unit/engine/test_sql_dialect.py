"""Generated pushdown SQL per dialect: what PostgreSQL and MariaDB are sent (no server)."""

from datetime import UTC, datetime

import pytest
import sqlglot

from vmsdq.checks import compile_entity
from vmsdq.checks.model import CompiledEntity
from vmsdq.engine.backend import Capabilities
from vmsdq.engine.databases import MARIADB, POSTGRESQL, database_capabilities
from vmsdq.engine.sql_dialect import UnsafeCastError
from vmsdq.engine.sql_queries import Database, row_queries, table_sql
from vmsdq.spec.models import EntitySpec

NOW = datetime(2024, 6, 1, tzinfo=UTC)
SPEC = EntitySpec.model_validate(
    {
        "entity": "vol",
        "key": "id",
        "fields": {
            "id": {"type": "integer", "required": True},
            "name": {"source_name": "First_Name", "required": True},
            "code": {"format": {"format": "regex", "pattern": "^V[0-9]$"}},
            "hours": {"type": "number", "min": 0},
            "at": {"type": "timestamp"},
            "org": {"references": "org"},
        },
        "rules": [
            {"name": "busy", "type": "row_count", "min": 1, "where": "hours > 1"},
            {"name": "fresh", "type": "freshness", "field": "at", "max_age": "1d"},
        ],
    }
)
ORG = EntitySpec.model_validate({"entity": "org", "key": "id", "fields": {"id": {}}})
COLUMNS = {
    "vol": {"id": "integer", "first_name": "text", "code": "varchar", "hours": "numeric",
            "at": "timestamp", "org": "text"},
    "org": {"id": "text"},
}  # fmt: skip
TABLES = {"vol": "crm.volunteers", "org": "orgs"}


def entity() -> CompiledEntity:
    return compile_entity(SPEC, {"vol": SPEC, "org": ORG})


def rows_sql(caps: Capabilities, *names: str, columns=COLUMNS) -> tuple[str, str]:
    compiled = entity()
    checks = [c for c in compiled.checks if c.name in names]
    db = Database(caps, TABLES, columns, compiled.source_columns)
    queries = row_queries(compiled, checks, db)
    for sql in (queries.counts, queries.flagged):
        sqlglot.parse_one(sql, read=caps.dialect)  # valid in the dialect
    return queries.counts, queries.flagged


def tables_sql(caps: Capabilities) -> str:
    compiled = entity()
    checks = [c for c in compiled.checks if c.scope == "table"]
    sql = table_sql(compiled, checks, NOW, Database(caps, TABLES, COLUMNS, compiled.source_columns))
    sqlglot.parse_one(sql, read=caps.dialect)
    return sql


def test_tables_and_real_column_names() -> None:
    counts, flagged = rows_sql(POSTGRESQL, "vol.name.required", "vol.org.references")
    assert "FROM crm.volunteers" in counts and "FROM orgs" in counts
    assert 'CAST("first_name" AS VARCHAR) AS "name"' in counts  # declared First_Name
    assert "First_Name" not in counts
    assert flagged.startswith('SELECT "__key", "c0", "c1", "v0", "v1" FROM')
    assert flagged.endswith('AS f WHERE "c0" OR "c1"')


def test_postgres_regex_and_casts() -> None:
    counts, _ = rows_sql(POSTGRESQL, "vol.code.format", "vol.hours.range")
    assert "~ '^(?:^V[0-9]$)$'" in counts and "~ '[^ \\t\\r\\n]'" in counts
    assert 'CAST("hours" AS DOUBLE PRECISION)' in counts and "TRY_CAST" not in counts
    assert 'SUM(CASE WHEN "c0" THEN 1 END)' in counts


def test_mariadb_blank_test_without_regex() -> None:
    counts, _ = rows_sql(MARIADB, "vol.name.required")
    assert "REGEXP" not in counts.upper()
    assert "REPLACE(REPLACE(REPLACE(REPLACE(CAST(`first_name` AS CHAR)" not in counts
    assert "REPLACE(REPLACE(REPLACE(REPLACE(" in counts and "'\\t', ''" in counts
    assert "<> ''" in counts and "CAST(`id` AS SIGNED)" in counts


def test_unsafe_casts_raise() -> None:
    text_hours = {**COLUMNS, "vol": {**COLUMNS["vol"], "hours": "text"}}
    with pytest.raises(UnsafeCastError, match=r"'hours' \(text\) does not cast to DOUBLE"):
        rows_sql(POSTGRESQL, "vol.hours.range", columns=text_hours)
    rows_sql(POSTGRESQL, "vol.code.format", columns=text_hours)  # no cast of hours needed


def test_table_checks_per_dialect() -> None:
    postgres = tables_sql(POSTGRESQL)
    assert 'COUNT(*) FILTER(WHERE "base"."hours" > 1) AS "m0"' in postgres
    assert "DATE_PART('epoch', CAST(CAST('2024-06-01 00:00:00' AS TIMESTAMP)" in postgres
    assert 'COALESCE("m1" IS NULL OR "m1" > 86400, FALSE)' in postgres
    mariadb = tables_sql(MARIADB)
    assert "COUNT(CASE WHEN `base`.`hours` > 1 THEN 1 END) AS `m0`" in mariadb
    assert "FILTER" not in mariadb and "EPOCH" not in mariadb.upper().replace("1970", "")
    assert (
        "TIMESTAMPDIFF(MICROSECOND, CAST('1970-01-01 00:00:00' AS DATETIME(6)), "
        "CAST(MAX(`base`.`at`) AS DATETIME(6))) / 1e6"
    ) in mariadb
    assert "CAST(`at` AS DATETIME(6)) AS `at`" in mariadb  # fractions of a second kept


def test_databases_by_sqlalchemy_name() -> None:
    assert database_capabilities("postgresql") is POSTGRESQL
    assert database_capabilities("mariadb") is database_capabilities("mysql") is MARIADB
    assert database_capabilities("oracle") is None
    assert not MARIADB.supports_regex and not MARIADB.supports_aggregate_filter
    assert any("utf8mb4_nopad_bin" in s for s in MARIADB.session)
