"""Where a `vmsdq validate` process spends its time: a cProfile of the whole CLI run, read back
by function. Times are cumulative and include imports done inside each phase; cProfile slows
Python-heavy code (not DuckDB), so the sum exceeds the unprofiled wall time.
"""

from __future__ import annotations

import pstats
from pathlib import Path

# (label, file suffix, function name); nested phases are indented in the label.
PHASES = [
    ("whole process (profiled)", "vmsdq", "<module>"),
    ("all imports, wherever they happen", "<frozen importlib._bootstrap>", "_find_and_load"),
    ("run_now (every phase)", "vmsdq/services/runs.py", "run_now"),
    ("  load_project (YAML, models, sandbox)", "vmsdq/spec/loader.py", "load_project"),
    ("  compile_entity (all entities)", "vmsdq/checks/compiler.py", "compile_entity"),
    ("  compile reconciliation", "vmsdq/reconcile/compile.py", "compile_reconciliation"),
    ("  read phase: sources -> archived snapshots", "vmsdq/services/runs.py", "read_view"),
    ("    archive snapshots", "vmsdq/store/artifacts.py", "archive"),
    ("  validate phase (per entity)", "vmsdq/services/runs.py", "validate_entity"),
    ("  DuckDBBackend.validate", "vmsdq/engine/duckdb_backend.py", "validate"),
    ("    register snapshots (views)", "vmsdq/engine/views.py", "register_snapshots"),
    ("    row checks: flags query", "vmsdq/engine/rows.py", "run_row_checks"),
    ("    table checks", "vmsdq/engine/tables.py", "run_table_checks"),
    ("    strict format validators", "vmsdq/engine/strict.py", "build_strict_table"),
    ("    failure files written", "vmsdq/engine/failures.py", "write_failures"),
    ("    DuckDB execute (all queries)", "~", "<built-in method _duckdb.execute>"),
    ("    DuckDB write_parquet", "~", "<built-in method _duckdb.write_parquet>"),
    ("    SQLGlot .sql() (query text)", "sqlglot/expressions/core.py", "sql"),
    ("  finish phase: score, anomalies, status", "vmsdq/services/runs.py", "finish_run"),
    ("  results saved (SQLAlchemy)", "vmsdq/store/repos/results.py", "save_entity"),
    ("JSON output", "vmsdq/services/views.py", "run_view"),
]


def breakdown(prof: Path) -> list[tuple[str, float | None]]:
    """(phase, cumulative seconds or None when the function never ran)."""
    stats = pstats.Stats(str(prof)).stats  # type: ignore[attr-defined]
    out: list[tuple[str, float | None]] = []
    for label, suffix, func in PHASES:
        total = None
        for (path, _line, name), (_cc, _nc, _tt, ct, _callers) in stats.items():
            if name == func and (path.endswith(suffix) or path == suffix):
                total = max(total or 0.0, ct) if func == "<module>" else (total or 0.0) + ct
        out.append((label, total))
    return out


def render(rows: list[tuple[str, float | None]], title: str) -> str:
    lines = [f"| {title} | s |", "|---|---:|"]
    lines += [
        f"| {label.replace('  ', '&nbsp;&nbsp;')} | {'-' if s is None else f'{s:.2f}'} |"
        for label, s in rows
    ]
    return "\n".join(lines)
