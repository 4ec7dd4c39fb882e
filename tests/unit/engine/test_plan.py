import sqlglot

from vmsdq.checks import compile_entity
from vmsdq.engine.backend import Capabilities
from vmsdq.engine.duckdb_backend import DUCKDB, DuckDBBackend
from vmsdq.engine.rows import flags_sql
from vmsdq.spec.models import EntitySpec

ORG = EntitySpec.model_validate({"entity": "org", "key": "id", "fields": {"id": {}}})
VOL = EntitySpec.model_validate(
    {
        "entity": "vol",
        "key": "id",
        "fields": {
            "id": {"required": True},
            "org": {"references": "org"},
            "boss": {"references": "org"},  # same target, other column: its own join
            "age": {"type": "integer", "min": 0},
        },
    }
)


def test_one_statement_with_each_relation_joined_once():
    compiled = compile_entity(VOL, {"vol": VOL, "org": ORG})
    sql = flags_sql(compiled, [c for c in compiled.checks if c.scope == "row"])
    assert sql.startswith("CREATE OR REPLACE TEMPORARY TABLE __flags AS")
    assert sql.count("LEFT JOIN") == 2  # one per reference: org and boss
    twice = flags_sql(compiled, [c for c in compiled.checks if c.scope == "row"] * 2)
    assert twice.count("LEFT JOIN") == 2  # the same reference twice shares its join
    flat = " ".join(sql.split())
    assert 'WHEN REGEXP_FULL_MATCH(TRY_CAST("age" AS TEXT), ' in flat  # an exact cast
    assert 'THEN TRY_CAST("age" AS BIGINT) END AS "age"' in flat
    assert '"age" AS "age__raw"' in sql
    parsed = sqlglot.parse_one(sql, read="duckdb")
    assert parsed.sql(dialect="duckdb", pretty=True) == sql


def test_capabilities_are_typed_flags():
    assert DuckDBBackend.capabilities is DUCKDB
    assert isinstance(DUCKDB, Capabilities)
    assert DUCKDB.supports_regex and DUCKDB.supports_window and DUCKDB.dialect == "duckdb"
    assert DUCKDB.supports_strict_values and DUCKDB.supports_previous_snapshot


def test_connection_settings(tmp_path):
    con = DuckDBBackend(threads=1, memory_limit="256MB", temp_directory=str(tmp_path)).connect()
    settings = dict(
        con.execute(
            "SELECT name, value FROM duckdb_settings() WHERE name IN "
            "('threads', 'memory_limit', 'temp_directory', 'TimeZone')"
        ).fetchall()
    )
    assert settings["threads"] == "1"
    assert settings["temp_directory"] == str(tmp_path)
    assert settings["TimeZone"] == "UTC"
    assert settings["memory_limit"].startswith("244")  # 256 MB in MiB
