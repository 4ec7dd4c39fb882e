"""Incremental runs against full runs: the VMS pack's own checks after 1 % of every entity's
rows changed.

    .venv/bin/python bench/incremental.py --project /tmp/eng/100k [--share 0.01] [--repeat 3]

Reads the demo project's files once (the files source, into Parquet snapshots), validates
every entity in full leaving the incremental state, then changes ``share`` of the rows of
every entity (one non-key value of each picked row replaced by another row's value, so
duplicates, broken references and moved aggregates happen as in real edits) and validates
the changed data twice: incrementally from the state, and in full. Times are
``DuckDBBackend.validate`` in this process (engine only: no process start, no source read,
no store); the two results must be equal rule by rule and failure row by failure row.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from vmsdq.core.snapshots import Snapshot
from vmsdq.core.workspace import Workspace
from vmsdq.engine.duckdb_backend import DuckDBBackend
from vmsdq.services.plan import plan_run
from vmsdq.sources.files import FilesSource
from vmsdq.spec.loader import load_project
from vmsdq.spec.models import FilesSourceSpec

NOW = datetime(2026, 12, 1, tzinfo=UTC)


def read_all(project_dir: Path, work: Path) -> tuple[list, dict[str, Snapshot]]:
    project = load_project(project_dir)
    plan = plan_run(project, None)
    compiled = [p.compiled[0] for p in plan.entities]  # the entity's own checks
    spec = project.spec.sources[project.spec.default_source]
    assert isinstance(spec, FilesSourceSpec)
    source = FilesSource("vms", spec, root=project_dir, workspace=Workspace.at(work / "read"))
    snapshots = {name: source.read(entity) for name, entity in project.entities.items()}
    return compiled, snapshots


def changed(snapshots: dict[str, Snapshot], share: float, folder: Path, seed: int) -> dict:
    """Each entity with ``share`` of its rows edited (one value from another row)."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    out = {}
    for name, snap in snapshots.items():
        table = pq.read_table(snap.parquet)
        rows = table.num_rows
        picked = rng.sample(range(rows), max(1, int(rows * share))) if rows else []
        columns = table.column_names[1:]  # the first is the key in every demo file
        sources: dict[str, list[int]] = {c: list(range(rows)) for c in columns}
        for index in picked:  # one value of the row taken from another row
            sources[rng.choice(columns)][index] = rng.randrange(rows)
        for column in columns:
            if sources[column] != list(range(rows)):
                position = table.column_names.index(column)
                taken = table.column(column).take(pa.array(sources[column]))
                table = table.set_column(position, column, taken)
        path = folder / f"{name}.parquet"
        pq.write_table(table, path, row_group_size=122_880)
        out[name] = Snapshot(entity=name, location=str(path), parquet=[str(path)])
    return out


def timed(compiled, snapshots, folder: Path, state: Path | None) -> tuple[float, float, list]:
    """Wall and CPU seconds (every thread of this process) of one validation."""
    backend = DuckDBBackend()
    started, cpu = time.perf_counter(), time.process_time()
    results = backend.validate(compiled, snapshots, failures_dir=folder, now=NOW, state_dir=state)
    return time.perf_counter() - started, time.process_time() - cpu, results


def seen(results) -> list:
    out = []
    for r in results:
        rules = sorted((x.rule, x.evaluated, x.failed, str(x.observed)) for x in r.rules)
        rows = pq.read_table(r.failures_path).to_pylist() if r.failures_path else []
        failures = sorted((f["rule"], str(f["key"]), f["values"]) for f in rows)
        out.append((r.entity, r.status, r.rows, rules, failures))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--project", type=Path, required=True)
    parser.add_argument("--share", type=float, default=0.01)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="vmsdq-incremental-"))
    try:
        compiled, snapshots = read_all(args.project, work)
        rows = sum(pq.read_metadata(s.parquet[0]).num_rows for s in snapshots.values())
        times: dict[str, list[tuple[float, float]]] = {"full": [], "state": [], "inc": []}
        loads = []
        for i in range(args.repeat):
            state = work / f"state{i}"
            loads.append(os.getloadavg()[0])
            *spent, _ = timed(compiled, snapshots, work / f"base{i}", state)
            times["state"].append((spent[0], spent[1]))
            edited = changed(snapshots, args.share, work / f"changed{i}", seed=i)
            *spent, incremental = timed(compiled, edited, work / f"inc{i}", state)
            times["inc"].append((spent[0], spent[1]))
            *spent, full = timed(compiled, edited, work / f"full{i}", None)
            times["full"].append((spent[0], spent[1]))
            assert seen(incremental) == seen(full), "incremental differs from full"
            print(json.dumps({"run": i, "load": loads[-1], **times}), flush=True)
        print(f"rows: {rows:,}; changed: {args.share:.1%} of each entity; results equal: yes; "
              f"load at start of each round: {', '.join(f'{x:.1f}' for x in loads)}")  # fmt: skip
        print("| run | wall s (median) | CPU s (median) |\n|---|---:|---:|")
        label = {"full": "full", "state": "full, leaving the state", "inc": "incremental"}
        median = {k: (statistics.median(w for w, _ in v), statistics.median(c for _, c in v))
                  for k, v in times.items()}  # fmt: skip
        for key, (wall, cpu) in median.items():
            print(f"| {label[key]} | {wall:.2f} | {cpu:.2f} |")
        inc, full = median["inc"], median["full"]
        print(f"incremental / full: wall {inc[0] / full[0]:.1%}, CPU {inc[1] / full[1]:.1%}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
