"""The engine benchmark's Markdown table and its section of bench/RESULTS.md."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

BEGIN = "<!-- bench/engine.py: begin (generated; edit bench/tools/report.py) -->"
END = "<!-- bench/engine.py: end -->"

NOTES = """\
Subset (bench/tools/checks.py, 32 checks over volunteer, organization, event, participation,
student, school): required, type, format (email WHATWG, phone E.164/NANP, Salesforce-id
regex), allowed, range, length, unique (single, composite, within a group), reference,
cross-field expression, conditional, aggregate, row count, freshness. "agree" = checks whose
failed count equals the hand-written SQL's (which follows docs/rules.md). Why tools differ:
- SQL and vmsdq treat blank strings as absent (docs/rules.md "present"); GX, Pandera and Soda
  evaluate '' as a value, so blank ids/emails/statuses fail their format/allowed/reference checks.
- Soda `duplicate_count` counts duplicated values, not rows; Pandera counts NULLs as duplicates.
- Nearest equivalents: GX reference = ExpectColumnValuesToBeInSet(target keys); GX/Pandera
  aggregate = a join computed before validation; GX conditional = row_condition +
  NotBeNull; Pandera cross-field/conditional/row count/freshness = custom polars checks;
  Soda date range, cross-field, conditional = user-defined expression metrics, aggregate = a
  user-defined SQL query metric, type = schema check; Soda runs counts only (no samples).
- vmsdq runs `vmsdq validate --project DIR --format json`: start-up, read, one query per
  entity, failure Parquet files written, run stored in the project's SQLite results store.
Wall = median of the runs (whole process, warm OS cache), cpu = median user+system seconds
of the child (less sensitive to other load than wall), peak = max RSS of the child,
load = the machine's 1-minute load average when the tool started (other work shares the cores)."""


@dataclass
class Row:
    volunteers: int
    rows: int
    tool: str
    checks: int
    runs: int
    wall_s: float | None
    min_s: float | None
    cpu_s: float | None
    peak_mb: float
    ratio: float | None
    agree: str
    note: str
    load: float = 0.0


def _f(value: float | None, fmt: str) -> str:
    return "-" if value is None else format(value, fmt)


def render(rows: list[Row], *, command: str, machine: str, date: str) -> str:
    lines = [
        "## Engine benchmark (bench/engine.py)",
        "",
        f"Command: `{command}`  ",
        f"Machine: {machine}  ",
        f"Date: {date}",
        "",
        "| volunteers | rows | tool | checks | runs | wall s (median) | min s | cpu s "
        "| peak MB | × SQL | agree | load | note |",
        "|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---|---:|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r.volunteers:,} | {r.rows:,} | {r.tool} | {r.checks} | {r.runs} "
            f"| {_f(r.wall_s, '.2f')} | {_f(r.min_s, '.2f')} | {_f(r.cpu_s, '.2f')} "
            f"| {r.peak_mb:.0f} "
            f"| {_f(r.ratio, '.2f')} | {r.agree} | {r.load:.1f} | {r.note} |"
        )
    return "\n".join(lines + ["", NOTES])


def write_results(path: Path, text: str, extra: str = "") -> None:
    """Replace (or append) this benchmark's section; other sections are left as they are."""
    block = f"{BEGIN}\n{text}\n{extra}{END}\n"
    current = path.read_text() if path.exists() else "# Benchmark results\n\n"
    if BEGIN in current and END in current:
        head, rest = current.split(BEGIN, 1)
        tail = rest.split(END, 1)[1].lstrip("\n")
        updated = head + block + ("\n" + tail if tail else "")
    else:
        updated = current.rstrip("\n") + "\n\n" + block
    path.write_text(updated)
