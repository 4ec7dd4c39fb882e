"""Validations take cursors of one DuckDB database per process and limits: each sees only
its own snapshots and tables, at the same time or one after the other, and leaves nothing."""

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pyarrow as pa

from vmsdq.checks import compile_entity
from vmsdq.core import duckdb_cursors
from vmsdq.core.snapshots import Snapshot
from vmsdq.engine.duckdb_backend import DuckDBBackend
from vmsdq.spec.models import EntitySpec

NOW = datetime(2026, 1, 15, tzinfo=UTC)
ORG = EntitySpec.model_validate(
    {"entity": "org", "key": "id", "fields": {"id": {"unique": True}, "name": {"required": True}}}
)
BACKEND = DuckDBBackend(threads=1, memory_limit="300MB")


def failed(result):
    return {r.rule: r.failed for r in result.rules}


def stream(table):
    return pa.RecordBatchReader.from_batches(table.schema, table.to_batches())


def test_validations_in_threads_see_only_their_own_rows(tmp_path):
    compiled = [compile_entity(ORG, {"org": ORG})]

    def run(i):
        rows = i + 1  # validation i has i + 1 rows, i of them without a name
        table = pa.table({"id": [f"o{n}" for n in range(rows)], "name": ["A"] + [None] * i})
        snapshots = {"org": Snapshot("org", f"run{i}", table=stream(table) if i % 2 else table)}
        folder = tmp_path / str(i)
        [result] = BACKEND.validate(compiled, snapshots, failures_dir=folder, now=NOW)
        return result

    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(run, range(12)))
    for i, result in enumerate(results):
        assert result.rows == i + 1
        assert failed(result) == {"org.id.unique": 0, "org.name.required": i}


def test_a_validation_leaves_no_table_or_view_in_the_database(tmp_path):
    table = pa.table({"id": ["o1", "o1"], "name": ["A", None]})
    compiled = [compile_entity(ORG, {"org": ORG})]
    for snapshot in (Snapshot("org", "t", table=table), Snapshot("org", "s", table=stream(table))):
        [result] = BACKEND.validate(compiled, {"org": snapshot}, failures_dir=tmp_path, now=NOW)
        assert failed(result) == {"org.id.unique": 2, "org.name.required": 1}
    with BACKEND._cursor() as con:
        tables = con.execute("SELECT count(*) FROM duckdb_tables()").fetchone()
        views = con.execute("SELECT count(*) FROM duckdb_views() WHERE NOT internal").fetchone()
        assert (tables, views) == ((0,), (0,))
        assert con.execute("SELECT current_setting('threads')").fetchone() == (1,)
    assert any(purpose.startswith("engine") for _, purpose in duckdb_cursors._OPEN)
