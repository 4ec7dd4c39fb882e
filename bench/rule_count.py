"""Rule-count curve: one small entity (100 rows) with N expression rules, validated in-process.

    .venv/bin/python bench/rule_count.py --rules 10,100,1000,10000

Half of the rules fail on some rows (so the failure file holds rows of every other rule);
the time is compile + ``DuckDBBackend.validate`` (flags table, counts, failure file), wall and
CPU of this process, without process start-up or the store. Prints one Markdown row per count.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa

from vmsdq.checks.compiler import compile_entity
from vmsdq.core.snapshots import Snapshot
from vmsdq.engine.duckdb_backend import DuckDBBackend
from vmsdq.spec.models import EntitySpec

ROWS = 100


def entity(rules: int) -> EntitySpec:
    declared = [
        {
            "name": f"r{i}",
            "type": "expression",
            "check": f"amount >= {i % 50}",
            "when": "amount IS NOT NULL",
        }
        if i % 2
        else {"name": f"r{i}", "type": "expression", "check": "amount >= 0"}
        for i in range(rules)
    ]
    return EntitySpec.model_validate(
        {
            "entity": "item",
            "key": "id",
            "fields": {"id": {"type": "integer"}, "amount": {"type": "integer"}},
            "rules": declared,
        }
    )


def measure(rules: int) -> tuple[float, float, float, int]:
    spec = entity(rules)
    table = pa.table({"id": list(range(ROWS)), "amount": [i % 60 for i in range(ROWS)]})
    cpu = time.process_time()
    started = time.perf_counter()
    compiled = compile_entity(spec, {spec.entity: spec})
    compiled_at = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        snapshot = Snapshot(entity="item", location="memory:item", table=table)
        [result] = DuckDBBackend(threads=1).validate(
            [compiled], {"item": snapshot}, failures_dir=Path(tmp), now=datetime.now(UTC)
        )
    done = time.perf_counter()
    assert result.status == "ok", result.message
    failed = sum(1 for r in result.rules if r.failed)
    return compiled_at - started, done - compiled_at, time.process_time() - cpu, failed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rules", default="10,100,1000,10000")
    args = parser.parse_args()
    print(f"load average at start: {os.getloadavg()[0]:.2f}")
    print("| rules | compile s | validate s | total s (wall) | CPU s | rules failing |")
    print("|---:|---:|---:|---:|---:|---:|")
    for count in (int(n) for n in args.rules.split(",")):
        compile_s, validate_s, cpu_s, failed = measure(count)
        total = compile_s + validate_s
        print(
            f"| {count:,} | {compile_s:.2f} | {validate_s:.2f} | {total:.2f} | {cpu_s:.2f} "
            f"| {failed:,} |"
        )


if __name__ == "__main__":
    main()
