"""Engine benchmark: vmsdq against hand-written DuckDB SQL, Great Expectations, Pandera-polars
and Soda Core on a common 32-check subset, and the full VMS pack, as whole processes.

    .venv/bin/python bench/engine.py --volunteers 100000,1000000 --repeat 3 --write-results

Run bench/setup.sh first (the other tools live in their own venvs under bench/.work/).
Each tool runs as a child process (start + load + checks; for vmsdq also failures written and
the run stored); wall time by the clock, peak RSS from the child's rusage.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
WORK = BENCH / ".work"
sys.path.insert(0, str(BENCH / "tools"))

from checks import CHECKS, TABLES  # noqa: E402
from measure import Measurement, run_measured  # noqa: E402
from phases import breakdown  # noqa: E402
from phases import render as render_phases  # noqa: E402
from report import Row, render, write_results  # noqa: E402

PROFILES: list[str] = []
TOOLS = ["sql", "vmsdq", "pandera", "soda", "gx"]
PY = str(ROOT / ".venv" / "bin" / "python")


def tool_command(tool: str, data_dir: Path, subset_dir: Path) -> list[str]:
    if tool == "vmsdq":
        return [
            str(ROOT / ".venv" / "bin" / "vmsdq"),
            "validate",
            "--project",
            str(subset_dir),
            "--format",
            "json",
        ]
    python = PY if tool == "sql" else str(WORK / f"venv-{tool}" / "bin" / "python")
    script = {
        "sql": "sql_baseline.py",
        "gx": "gx_run.py",
        "pandera": "pandera_run.py",
        "soda": "soda_run.py",
    }[tool]
    return [python, str(BENCH / "tools" / script), str(data_dir)]


def ensure_demo(volunteers: int, seed: int) -> Path:
    """Generate (once) the demo project for this size; later runs reuse it."""
    project = WORK / f"demo-{volunteers}-s{seed}"
    marker = project / ".bench-complete"
    if not marker.exists():
        from vmsdq.demo import generate_demo

        shutil.rmtree(project, ignore_errors=True)
        print(f"generating demo data: {volunteers} volunteers ...", flush=True)
        manifest = generate_demo(project, volunteers=volunteers, seed=seed)
        marker.write_text(json.dumps({"rows": manifest.rows, "seconds": manifest.seconds}))
    return project


def subset_rows(data_dir: Path) -> int:
    import pyarrow.parquet as pq

    return sum(pq.ParquetFile(data_dir / f"{t}.parquet").metadata.num_rows for t in TABLES)


def counts_of(tool: str, m: Measurement) -> dict[str, Any] | None:
    """Failed-row counts per check from a tool's stdout (None when it printed none)."""
    try:
        if tool == "vmsdq":
            doc = json.loads(m.stdout)
            return {r["rule"]: r["failed"] for e in doc["entities"] for r in e["rules"]}
        return dict(json.loads(m.stdout.strip().splitlines()[-1]))
    except (ValueError, IndexError, KeyError):
        return None


def agreement(counts: dict[str, Any] | None, baseline: dict[str, Any] | None) -> str:
    if counts is None or baseline is None:
        return "-"
    same = sum(1 for c in CHECKS if counts.get(c["name"]) == baseline.get(c["name"]))
    return f"{same}/{len(CHECKS)}"


def clean_artifacts(project: Path) -> None:
    shutil.rmtree(project / ".vmsdq" / "artifacts" / "runs", ignore_errors=True)


def measure_tool(
    tool: str, cmd: list[str], runs: int, timeout: float, project: Path | None = None
) -> list[Measurement]:
    out: list[Measurement] = []
    for i in range(runs):
        m = run_measured(cmd, cwd=ROOT, timeout_s=timeout)
        status = "TIMEOUT" if m.timed_out else f"rc={m.returncode}"
        print(
            f"  {tool:8s} run {i + 1}/{runs}: {m.wall_s:7.2f} s  cpu {m.cpu_s:7.2f} s  "
            f"{m.peak_rss_mb:7.0f} MB  {status}",
            flush=True,
        )
        if m.returncode not in (0, 1):
            print("    " + m.stderr_tail.strip().replace("\n", "\n    ")[-1500:], flush=True)
        out.append(m)
        if project is not None:
            clean_artifacts(project)
        if m.timed_out:
            break
    return out


def summarize(
    label: str,
    size: int,
    rows: int,
    checks: int,
    ms: list[Measurement],
    agree: str,
    baseline_s: float | None,
    load: float,
) -> Row:
    ok = [m for m in ms if not m.timed_out and m.returncode in (0, 1)]
    wall = statistics.median(m.wall_s for m in ok) if ok else None
    note = "" if ok else ("timeout" if any(m.timed_out for m in ms) else "error")
    ratio = wall / baseline_s if wall and baseline_s else None
    return Row(
        volunteers=size,
        rows=rows,
        tool=label,
        checks=checks,
        runs=len(ms),
        wall_s=wall,
        min_s=min((m.wall_s for m in ok), default=None),
        cpu_s=statistics.median(m.cpu_s for m in ok) if ok else None,
        peak_mb=max((m.peak_rss_mb for m in ms), default=0.0),
        ratio=ratio,
        agree=agree,
        note=note,
        load=load,
    )


def bench_size(size: int, args: argparse.Namespace) -> list[Row]:
    from vmsdq_subset import write_project

    demo = ensure_demo(size, args.seed)
    data = demo / "data"
    subset = write_project(WORK / f"subset-{size}-s{args.seed}", data)
    rows = subset_rows(data)
    print(f"\n== {size} volunteers: subset tables hold {rows:,} rows", flush=True)
    results: list[Row] = []
    baseline: dict[str, Any] | None = None
    baseline_s: float | None = None
    for tool in [t for t in TOOLS if t in args.tools]:
        runs = 1 if tool == "gx" and size >= args.gx_once_from else args.repeat
        load = os.getloadavg()[0]
        ms = measure_tool(
            tool,
            tool_command(tool, data, subset),
            runs,
            args.timeout,
            subset if tool == "vmsdq" else None,
        )
        counts = next((counts_of(tool, m) for m in ms if m.returncode in (0, 1)), None)
        if tool == "sql":
            baseline = counts
        row = summarize(
            tool,
            size,
            rows,
            len(CHECKS),
            ms,
            "ref" if tool == "sql" else agreement(counts, baseline),
            baseline_s,
            load,
        )
        if tool == "sql":
            baseline_s = row.wall_s
        _dump(f"counts-{tool}-{size}.json", counts)
        results.append(row)
    fulls = [] if args.no_full else full_projects(demo)
    if args.no_reconcile:
        fulls = fulls[:1]
    for label, project in fulls:
        results.append(bench_full(label, size, project, args))
    if args.profile:
        PROFILES.append(profile(f"vmsdq subset, {size:,} volunteers", subset, args.timeout))
        for label, project in fulls[:1]:
            PROFILES.append(profile(f"{label}, {size:,} volunteers", project, args.timeout))
            PROFILES.append(entity_seconds(f"{label}, {size:,} volunteers", project))
    if args.trace:
        for label, project in fulls[:1]:
            PROFILES.append(trace(f"{label}, {size:,} volunteers", project, args.timeout))
    return results


def trace(label: str, project: Path, timeout: float) -> str:
    """Seconds per DuckDB statement of one in-process run (tools/trace_statements.py)."""
    cmd = [PY, str(BENCH / "tools" / "trace_statements.py"), str(project)]
    m = run_measured(cmd, cwd=ROOT, timeout_s=timeout)
    table = [line for line in m.stdout.splitlines() if line.startswith("|")]
    return f"{label}: DuckDB statements >= 0.05 s (store off)\n\n" + "\n".join(table)


def full_projects(demo: Path) -> list[tuple[str, Path]]:
    """The shipped pack without `reconcile:` (the demo writes no Salesforce mirror), and the
    pack as shipped when a Salesforce copy was put in the demo folder."""
    import yaml

    spec = yaml.safe_load((demo / "vmsdq.yaml").read_text())
    spec.pop("reconcile", None)
    for source in spec["sources"].values():
        source["path"] = str((demo / source["path"]).resolve())
    project = WORK / f"full-{demo.name}"
    shutil.rmtree(project / "entities", ignore_errors=True)
    shutil.copytree(demo / "entities", project / "entities")
    (project / "vmsdq.yaml").write_text(yaml.safe_dump(spec, sort_keys=False))
    out = [("vmsdq full pack", project)]
    if (demo / "salesforce").is_dir():
        out.append(("vmsdq full pack + reconciliation", demo))
    return out


def entity_seconds(label: str, project: Path) -> str:
    """Per-entity seconds reported by the last measured run of this project."""
    path = WORK / f"{project.name}.last.json"
    if not path.exists():
        return f"{label}: no per-entity times"
    doc = json.loads(path.read_text())
    lines = [f"| {label}: entity | rows | rules | s (engine) |", "|---|---:|---:|---:|"]
    lines += [
        f"| {e['entity']} | {e['rows']:,} | {len(e['rules'])} | {e['seconds']:.2f} |"
        for e in doc["entities"]
    ]
    return "\n".join(lines)


def vmsdq_cmd(project: Path) -> list[str]:
    return [
        str(ROOT / ".venv" / "bin" / "vmsdq"),
        "validate",
        "--project",
        str(project),
        "--format",
        "json",
    ]


def profile(label: str, project: Path, timeout: float) -> str:
    """One extra cProfile'd run of `vmsdq validate`; returns its phase table (Markdown)."""
    prof = WORK / f"profile-{project.name}.prof"
    cmd = [PY, "-m", "cProfile", "-o", str(prof), *vmsdq_cmd(project)]
    m = run_measured(cmd, cwd=ROOT, timeout_s=timeout)
    clean_artifacts(project)
    title = f"{label}: phases (cProfile, wall {m.wall_s:.2f} s profiled)"
    return render_phases(breakdown(prof), title) if prof.exists() else f"{title}: no profile"


def bench_full(label: str, size: int, project: Path, args: argparse.Namespace) -> Row:
    cmd = vmsdq_cmd(project)
    load = os.getloadavg()[0]
    ms = measure_tool("full", cmd, args.repeat, args.timeout, project)
    rows = checks = 0
    for m in ms:
        try:
            doc = json.loads(m.stdout)
        except ValueError:
            continue
        rows = sum(e["rows"] for e in doc["entities"])
        checks = sum(len(e["rules"]) for e in doc["entities"])
        _dump(f"{project.name}.last.json", doc)
        break
    return summarize(label, size, rows, checks, ms, "-", None, load)


def _dump(name: str, payload: Any) -> None:
    (WORK / name).write_text(json.dumps(payload, indent=1, default=str))


def machine() -> str:
    mem_kb = next(
        int(line.split()[1])
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal")
    )
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    return (
        f"nproc {os.cpu_count()}, RAM {mem_kb / 1024 / 1024:.1f} GiB, {cpu}, "
        f"Python {platform.python_version()}, Linux {platform.release()}"
    )


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument(
        "--volunteers",
        default="100000,1000000",
        help="comma-separated sizes (default 100000,1000000)",
    )
    p.add_argument("--tools", default=",".join(TOOLS), help=f"subset of {','.join(TOOLS)}")
    p.add_argument("--repeat", type=int, default=3, help="runs per tool (median reported)")
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--timeout", type=float, default=900, help="seconds per run before killing")
    p.add_argument(
        "--gx-once-from",
        type=int,
        default=1_000_000,
        help="run Great Expectations once from this size on",
    )
    p.add_argument("--no-full", action="store_true", help="skip the full VMS pack runs")
    p.add_argument(
        "--no-reconcile",
        action="store_true",
        help="skip the full pack + reconciliation runs (the pack as shipped, with the demo's "
        "Salesforce copy)",
    )
    p.add_argument(
        "--profile",
        action="store_true",
        help="add a cProfile phase breakdown of vmsdq (subset and full pack)",
    )
    p.add_argument(
        "--trace",
        action="store_true",
        help="add seconds per DuckDB statement of the full pack (in process)",
    )
    p.add_argument(
        "--write-results",
        action="store_true",
        help="replace this benchmark's section of bench/RESULTS.md",
    )
    args = p.parse_args(argv)
    args.sizes = [int(s.replace("_", "")) for s in args.volunteers.split(",")]
    args.tools = [t.strip() for t in args.tools.split(",")]
    unknown = set(args.tools) - set(TOOLS)
    if unknown:
        p.error(f"unknown tools {sorted(unknown)}; choose from {TOOLS}")
    return args


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    WORK.mkdir(exist_ok=True)
    command = ".venv/bin/python bench/engine.py " + " ".join(sys.argv[1:] if argv is None else argv)
    started = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    rows = [row for size in args.sizes for row in bench_size(size, args)]
    _dump(f"rows-{args.volunteers.replace(',', '-')}.json", [r.__dict__ for r in rows])
    text = render(rows, command=command, machine=machine(), date=started)
    extra = "".join(f"\n{table}\n" for table in PROFILES)
    print("\n" + text + "\n" + extra)
    (WORK / f"last-{args.volunteers.replace(',', '-')}.md").write_text(text + "\n" + extra)
    if args.write_results:
        write_results(BENCH / "RESULTS.md", text, extra)


if __name__ == "__main__":
    main()
