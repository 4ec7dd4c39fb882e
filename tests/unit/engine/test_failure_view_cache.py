"""The failure file's query is generated once per checks and failing checks, and each run's
file still holds that run's failing rows."""

from datetime import UTC, datetime

import duckdb
import pyarrow as pa

from vmsdq.checks import compile_entity
from vmsdq.core.snapshots import Snapshot
from vmsdq.engine import failures
from vmsdq.engine.duckdb_backend import DuckDBBackend
from vmsdq.spec.models import EntitySpec

NOW = datetime(2026, 1, 15, tzinfo=UTC)
ORG = EntitySpec.model_validate(
    {"entity": "org", "key": "id", "fields": {"id": {}, "name": {"required": True}}}
)


def rows(path):
    return sorted(duckdb.sql(f"SELECT rule, key FROM '{path}'").fetchall())


def test_the_same_checks_on_other_data_write_that_data_s_failures(tmp_path):
    compiled = [compile_entity(ORG, {"org": ORG})]
    backend = DuckDBBackend(threads=1)
    found = []
    for day, names in enumerate((["A", None], [None, "B", None])):
        ids = [f"o{day}{i}" for i in range(len(names))]
        table = pa.table({"id": ids, "name": names})
        folder = tmp_path / str(day)
        [result] = backend.validate(
            compiled, {"org": Snapshot("org", "t", table=table)}, failures_dir=folder, now=NOW
        )
        found.append(rows(result.failures_path))
    assert found == [
        [("org.name.required", "o01")],
        [("org.name.required", "o10"), ("org.name.required", "o12")],
    ]
    plan_checks = tuple(compiled[0].checks)
    cached = [owners for owners, _ in failures._VIEWS.values() if owners == plan_checks]
    assert len(cached) == 1  # one entry for both runs: same checks, same failing check
