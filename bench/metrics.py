"""Metric checks: every metric of an entity in the one table-metrics query, vs one query each.

    .venv/bin/python bench/metrics.py --rows 5000000

One entity (id, hours double, email text with NULLs and duplicates) in one Parquet file;
12 metric checks (min, max, mean, median, stddev, sum, 0.9 quantile, distinct, duplicate,
missing count and percent, average length) plus row_count. ``single``: the engine's one
aggregate query; ``separate``: one query per check (what a tool scanning once per check
does). CPU and wall time of the table checks alone, in this process.
"""

from __future__ import annotations

import argparse
import dataclasses
import resource
import tempfile
import time
from datetime import datetime
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from vmsdq.checks.compiler import compile_entity
from vmsdq.checks.model import CompiledEntity
from vmsdq.engine.duckdb_backend import DuckDBBackend
from vmsdq.engine.tables import run_table_checks
from vmsdq.spec.models import EntitySpec

METRICS = [("min", "hours"), ("max", "hours"), ("mean", "hours"), ("median", "hours"),
           ("stddev", "hours"), ("sum", "hours"), ("distinct_count", "email"),
           ("duplicate_count", "email"), ("missing_count", "email"),
           ("missing_percent", "email"), ("avg_length", "email")]  # fmt: skip


def data(rows: int, folder: Path) -> Path:
    rng = np.random.default_rng(1)
    email = [f"v{i % (rows // 5)}@x.org" if i % 17 else None for i in range(rows)]
    table = pa.table({"id": np.arange(rows), "hours": rng.random(rows) * 24, "email": email})
    path = folder / "t.parquet"
    pq.write_table(table, path)
    return path


def compiled() -> CompiledEntity:
    rules = [{"name": "rows", "type": "row_count", "min": 1}]
    rules += [{"name": f"m{i}", "type": "metric", "metric": m, "field": f, "max": 1e12}
              for i, (m, f) in enumerate(METRICS)]  # fmt: skip
    rules += [{"name": "q", "type": "metric", "metric": "quantile", "quantile": 0.9,
               "field": "hours", "max": 1e12}]  # fmt: skip
    fields = {"id": {"type": "integer"}, "hours": {"type": "number"}, "email": {}}
    spec = EntitySpec.model_validate({"entity": "t", "key": "id", "fields": fields,
                                      "rules": rules})  # fmt: skip
    return compile_entity(spec, {"t": spec})


def measure(path: Path, mode: str) -> tuple[float, float]:
    entity = compiled()
    entity = dataclasses.replace(
        entity, checks=tuple(c for c in entity.checks if c.scope == "table")
    )
    parts = [entity]
    if mode == "separate":
        parts = [dataclasses.replace(entity, checks=(c,)) for c in entity.checks]
    con = DuckDBBackend(threads=2).connect()
    con.read_parquet(str(path)).create_view("t")
    wall, before = time.perf_counter(), resource.getrusage(resource.RUSAGE_SELF)
    for part in parts:
        _, errors = run_table_checks(con, part, part.checks, datetime(2026, 1, 1))
        assert not errors, errors
    after = resource.getrusage(resource.RUSAGE_SELF)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    return time.perf_counter() - wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=5_000_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = data(args.rows, Path(folder))
        print("| checks in | wall s | CPU s |\n|---|---|---|")
        for mode in ("single", "separate"):
            wall, cpu = measure(path, mode)
            print(f"| {mode} | {wall:.2f} | {cpu:.2f} |")


if __name__ == "__main__":
    main()
