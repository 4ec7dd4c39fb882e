"""Times every DuckDB statement of one run (in process, store off), per entity and stage.

Usage: .venv/bin/python bench/tools/trace_statements.py PROJECT_DIR [--explain ENTITY]
Prints a Markdown table: entity, stage (from the engine's progress callback), statement kind,
seconds. With --explain, also prints EXPLAIN ANALYZE of that entity's flags statement.
For the engine owner: it shows which statement of which entity the time goes to.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

import duckdb

TIMES: list[tuple[str, str, str, float]] = []
STAGE = {"entity": "-", "stage": "-"}
EXPLAIN: dict[str, str] = {}


def _kind(sql: str) -> str:
    head = " ".join(sql.split())[:60].upper()
    for word in ("CREATE TABLE", "CREATE", "COPY", "WITH", "SELECT", "SET", "DROP", "INSERT"):
        if head.startswith(word):
            return word.lower() + ("  " + head[len(word) :][:40].lower() if word != "WITH" else "")
    return head[:40].lower()


class _Relation:
    def __init__(self, rel: duckdb.DuckDBPyRelation) -> None:
        self._rel = rel

    def write_parquet(self, *args: Any, **kwargs: Any) -> None:
        started = time.perf_counter()
        self._rel.write_parquet(*args, **kwargs)
        TIMES.append(
            (
                STAGE["entity"],
                STAGE["stage"],
                "write_parquet (failures)",
                time.perf_counter() - started,
            )
        )

    def __getattr__(self, name: str) -> Any:
        return getattr(self._rel, name)


class _Connection:
    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self._con = con

    def execute(self, sql: str, *args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        out = self._con.execute(sql, *args, **kwargs)
        TIMES.append((STAGE["entity"], STAGE["stage"], _kind(sql), time.perf_counter() - started))
        target = EXPLAIN.get("entity")
        flags = sql.upper().startswith("CREATE") and "__FLAGS" in sql.upper()[:80]
        if target == STAGE["entity"] and flags and "plan" not in EXPLAIN:
            select = sql[sql.upper().index(" AS ") + 4 :]
            EXPLAIN["plan"] = self._con.execute("EXPLAIN ANALYZE " + select).fetchall()[0][1]
        return out

    def sql(self, query: str, *args: Any, **kwargs: Any) -> Any:
        return _Relation(self._con.sql(query, *args, **kwargs))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._con, name)


def main(project: str, explain: str | None) -> None:
    from vmsdq.engine.duckdb_backend import DuckDBBackend
    from vmsdq.services.context import load, scratch_context
    from vmsdq.services.runs import run_now

    original = DuckDBBackend.connect
    DuckDBBackend.connect = lambda self: _Connection(original(self))  # type: ignore[method-assign]
    if explain:
        EXPLAIN["entity"] = explain

    def progress(entity: str, stage: str) -> None:
        STAGE.update(entity=entity, stage=stage)

    started = time.perf_counter()
    run_now(scratch_context(load(Path(project))), progress=progress)
    total = time.perf_counter() - started
    print("| entity | stage | statement | s |\n|---|---|---|---:|")
    for entity, stage, kind, seconds in TIMES:
        if seconds >= 0.05:
            print(f"| {entity} | {stage} | `{kind}` | {seconds:.2f} |")
    print(f"| all | | {len(TIMES)} statements, sum | {sum(t[3] for t in TIMES):.2f} |")
    print(f"| run_now (store off) | | wall | {total:.2f} |")
    if "plan" in EXPLAIN:
        print("\n```\n" + EXPLAIN["plan"] + "\n```")


if __name__ == "__main__":
    args = sys.argv[1:]
    target = args[args.index("--explain") + 1] if "--explain" in args else None
    main(args[0], target)
