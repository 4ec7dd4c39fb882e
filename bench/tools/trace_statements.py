"""Times every DuckDB statement of one run (in process, store off), per entity and stage.

Usage: .venv/bin/python bench/tools/trace_statements.py PROJECT_DIR [--explain ENTITY|all]
       [--cprofile FILE] [--min SECONDS]

Prints a Markdown table: entity, stage (from the engine's progress callback), statement kind,
wall and CPU seconds (user + system of the whole process, every DuckDB thread). Then the
engine's own part: wall and CPU of every ``DuckDBBackend.validate`` call (the validate call
alone, no start-up, no reading, no store), per entity and in all. With --explain, also
prints EXPLAIN ANALYZE of that entity's flags statement (``all``: of every entity's; each
re-runs the statement, after its timing was taken). With --cprofile, a cProfile of the
validate calls only is written to FILE. For the engine owner: it shows which statement of
which entity the time goes to.
"""

from __future__ import annotations

import cProfile
import json
import resource
import sys
import time
from pathlib import Path
from typing import Any

import duckdb

TIMES: list[tuple[str, str, str, float, float]] = []  # entity, stage, kind, wall, cpu
STAGE = {"entity": "-", "stage": "-"}
EXPLAIN: dict[str, str] = {}
PLANS: dict[str, str] = {}
VALIDATE: list[tuple[str, float, float]] = []  # entities, wall, cpu


def cpu_seconds() -> float:
    """User + system seconds of this process so far (all threads)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _kind(sql: str) -> str:
    head = " ".join(sql.split())[:60].upper()
    for word in ("CREATE TABLE", "CREATE", "COPY", "WITH", "SELECT", "SET", "DROP", "INSERT"):
        if head.startswith(word):
            return word.lower() + ("  " + head[len(word) :][:40].lower() if word != "WITH" else "")
    return head[:40].lower()


def _record(kind: str, wall: float, cpu: float) -> None:
    TIMES.append((STAGE["entity"], STAGE["stage"], kind, wall, cpu))


class _Connection:
    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self._con = con

    def execute(self, sql: str, *args: Any, **kwargs: Any) -> Any:
        started, cpu = time.perf_counter(), cpu_seconds()
        out = self._con.execute(sql, *args, **kwargs)
        _record(_kind(sql), time.perf_counter() - started, cpu_seconds() - cpu)
        target = EXPLAIN.get("entity")
        entity = STAGE["entity"]
        flags = sql.upper().startswith("CREATE") and "__FLAGS" in sql.upper()[:80]
        if flags and target in (entity, "all") and entity not in PLANS:
            select = sql[sql.upper().index(" AS ") + 4 :]
            plan = self._con.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + select).fetchall()
            PLANS[entity] = operators(json.loads(plan[0][1]))
        return out

    def __getattr__(self, name: str) -> Any:
        return getattr(self._con, name)


def _brief(info: dict[str, Any]) -> str:
    """The operator's condition, groups, aggregates or table, on one short line."""
    parts = []
    for name in ("Join Type", "Conditions", "Groups", "Aggregates", "Table", "Function", "Filters"):
        value = info.get(name)
        if value:
            text = " ".join(value) if isinstance(value, list) else str(value)
            parts.append(f"{name}: {' '.join(text.split())[:70]}")
    return "; ".join(parts)


def operators(profile: dict[str, Any]) -> str:
    """Every operator of a JSON query profile on a line: depth, name, rows, seconds."""
    lines = ["| operator | rows | s | what |", "|---|---:|---:|---|"]

    def walk(node: dict[str, Any], depth: int) -> None:
        for child in node.get("children", []):
            name = child.get("operator_name", child.get("operator_type", "?")).strip()
            timing, rows = child.get("operator_timing", 0.0), child.get("operator_cardinality", 0)
            brief = _brief(child.get("extra_info", {}))
            lines.append(f"| {'.' * depth}{name} | {rows:,} | {timing:.3f} | {brief} |")
            walk(child, depth + 1)

    walk(profile, 0)
    total = profile.get("cpu_time", 0.0)
    lines.append(
        f"| (query cpu_time {total:.2f} s, latency {profile.get('latency', 0.0):.2f} s) | | | |"
    )
    return "\n".join(lines)


def _patch(profiler: cProfile.Profile | None) -> None:
    from vmsdq.engine.duckdb_backend import DuckDBBackend

    connect = DuckDBBackend.connect
    validate = DuckDBBackend.validate
    DuckDBBackend.connect = lambda self, spill=None: _Connection(connect(self, spill))  # type: ignore[method-assign]

    def timed(self: DuckDBBackend, entities: Any, *args: Any, **kwargs: Any) -> Any:
        started, cpu = time.perf_counter(), cpu_seconds()
        if profiler is not None:
            profiler.enable()
        try:
            return validate(self, entities, *args, **kwargs)
        finally:
            if profiler is not None:
                profiler.disable()
            names = ",".join(e.name for e in entities)
            VALIDATE.append((names, time.perf_counter() - started, cpu_seconds() - cpu))

    DuckDBBackend.validate = timed  # type: ignore[method-assign]


def main(project: str, explain: str | None, prof_file: str | None, minimum: float) -> None:
    from vmsdq.services.context import load, scratch_context
    from vmsdq.services.runs import run_now

    profiler = cProfile.Profile() if prof_file else None
    _patch(profiler)
    if explain:
        EXPLAIN["entity"] = explain

    def progress(entity: str, stage: str) -> None:
        STAGE.update(entity=entity, stage=stage)

    started, cpu = time.perf_counter(), cpu_seconds()
    run_now(scratch_context(load(Path(project))), progress=progress)
    total, total_cpu = time.perf_counter() - started, cpu_seconds() - cpu
    print("| entity | stage | statement | wall s | CPU s |\n|---|---|---|---:|---:|")
    for entity, stage, kind, seconds, cpu_s in TIMES:
        if seconds >= minimum or cpu_s >= minimum:
            print(f"| {entity} | {stage} | `{kind}` | {seconds:.2f} | {cpu_s:.2f} |")
    wall_sum, cpu_sum = sum(t[3] for t in TIMES), sum(t[4] for t in TIMES)
    print(f"| all | | {len(TIMES)} statements, sum | {wall_sum:.2f} | {cpu_sum:.2f} |")
    for names, seconds, cpu_s in VALIDATE:
        print(f"| {names} | validate call | (engine: DuckDBBackend.validate) | "
              f"{seconds:.2f} | {cpu_s:.2f} |")  # fmt: skip
    v_wall, v_cpu = sum(v[1] for v in VALIDATE), sum(v[2] for v in VALIDATE)
    print(f"| all | validate calls | engine only, sum | {v_wall:.2f} | {v_cpu:.2f} |")
    print(f"| run_now (store off) | | in process, no start-up | {total:.2f} | {total_cpu:.2f} |")
    for entity, plan in PLANS.items():
        print(f"\n{entity}: EXPLAIN ANALYZE of the flags SELECT (operator seconds)\n\n{plan}")
    if profiler is not None and prof_file:
        profiler.dump_stats(prof_file)


if __name__ == "__main__":
    args = sys.argv[1:]

    def _option(name: str) -> str | None:
        return args[args.index(name) + 1] if name in args else None

    main(args[0], _option("--explain"), _option("--cprofile"), float(_option("--min") or 0.05))
