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
    return "\n".join(lines + ["", *targets(rows), "", NOTES])


def targets(rows: list[Row]) -> list[str]:
    """The issue's targets at the largest size measured, met or not."""
    if not rows:
        return []
    size = max(r.volunteers for r in rows)
    at = {r.tool: r for r in rows if r.volunteers == size}
    out = [f"Targets at {size:,} volunteers (wall = median):"]
    full = at.get("vmsdq full pack")
    if full and full.wall_s is not None:
        out.append(f"- full pack < 5 s: {full.wall_s:.2f} s: {_met(full.wall_s < 5)}")
    mine = [r for r in rows if r.volunteers == size and r.tool.startswith("vmsdq")]
    if mine:
        peak = max(r.peak_mb for r in mine)
        out.append(f"- peak memory < 1 GB: {peak:.0f} MB: {_met(peak < 1024)}")
    sub = at.get("vmsdq")
    if sub and sub.ratio is not None:
        out.append(
            f"- subset within 1.5x of hand-written SQL: {sub.ratio:.2f}x: {_met(sub.ratio <= 1.5)}"
        )
        others = {t: r.wall_s for t, r in at.items() if t in ("pandera", "soda", "gx")}
        slower = sorted(
            t for t, w in others.items() if w is not None and sub.wall_s and w <= sub.wall_s
        )
        out.append(
            f"- subset faster than every other tool: {_met(not slower)}"
            + (f" (faster than vmsdq: {', '.join(slower)})" if slower else "")
        )
    return out


def _met(ok: bool) -> str:
    return "met" if ok else "**not met**"


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
