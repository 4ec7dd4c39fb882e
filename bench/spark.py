"""Spark benchmark: the full VMS pack with ``engine: spark`` (pyspark, local master) against
the embedded DuckDB, as whole ``vmsdq validate`` processes on the same demo data.

    .venv/bin/python bench/spark.py --volunteers 20000 --master 'local[2]' --repeat 2

Needs pyspark (``pip install -e '.[spark]'``) and Java 17 (``make java``). Each run is a
child process (start, load, read the sources, validate, score; nothing stored). Wall time by
the clock; peak RSS is the vmsdq process's (the JVM is a separate process, not counted).
It also checks that both engines find the same failed counts for every rule.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
WORK = BENCH / ".work"
sys.path.insert(0, str(BENCH / "tools"))

from measure import Measurement, run_measured  # noqa: E402

VMSDQ = str(ROOT / ".venv" / "bin" / "vmsdq")


def demo(volunteers: int, seed: int) -> Path:
    """The demo project for this size (generated once, reused by later runs)."""
    project = WORK / f"demo-{volunteers}-s{seed}"
    if not (project / ".bench-complete").exists():
        from vmsdq.demo import generate_demo

        shutil.rmtree(project, ignore_errors=True)
        print(f"generating demo data: {volunteers} volunteers ...", flush=True)
        manifest = generate_demo(project, volunteers=volunteers, seed=seed)
        (project / ".bench-complete").write_text(json.dumps({"rows": manifest.rows}))
    return project


def variant(source: Path, name: str, engine: str | None) -> Path:
    """A copy of the project (data linked, not copied) with ``engine`` appended."""
    target = WORK / f"{source.name}-{name}"
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(source, target, ignore=shutil.ignore_patterns(".vmsdq"),
                    copy_function=os.link)  # fmt: skip
    spec = target / "vmsdq.yaml"
    spec.unlink()
    text = (source / "vmsdq.yaml").read_text()
    spec.write_text(text + (engine + "\n" if engine else ""))
    return target


def counts(m: Measurement) -> dict[str, int]:
    doc: dict[str, Any] = json.loads(m.stdout)
    return {r["rule"]: r["failed"] for e in doc["entities"] for r in e["rules"]}


def ran_in_spark(m: Measurement) -> str:
    doc: dict[str, Any] = json.loads(m.stdout)
    parts = [e.get("message", "") for e in doc["entities"]]
    ran = [p.split(" checks ran in Spark")[0].split(";")[-1].strip() for p in parts if "Spark" in p]
    done = sum(int(p.split(" of ")[0]) for p in ran)
    total = sum(int(p.split(" of ")[1]) for p in ran)
    return f"{done} of {total}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--volunteers", type=int, default=20000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--master", default="local[2]")
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=1800)
    args = parser.parse_args()

    source = demo(args.volunteers, args.seed)
    engine = f"engine: {{backend: spark, master: '{args.master}'}}"
    projects = {"duckdb": variant(source, "duckdb", None),
                "spark": variant(source, "spark", engine)}  # fmt: skip
    results: dict[str, list[Measurement]] = {}
    for name, project in projects.items():
        cmd = [VMSDQ, "validate", "--project", str(project), "--format", "json", "--no-store"]
        results[name] = []
        for i in range(args.repeat):
            m = run_measured(cmd, cwd=ROOT, timeout_s=args.timeout)
            print(f"  {name:6s} run {i + 1}/{args.repeat}: {m.wall_s:7.2f} s wall, "
                  f"{m.cpu_s:7.2f} s cpu, {m.peak_rss_mb:6.0f} MB, rc={m.returncode}",
                  flush=True)  # fmt: skip
            if m.returncode not in (0, 1, 2):
                sys.exit(f"{name} failed:\n{m.stderr_tail}")
            results[name].append(m)
    same = counts(results["spark"][-1]) == counts(results["duckdb"][-1])
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"\nfull VMS pack, {args.volunteers} volunteers, load average {load}")
    print("| engine | wall s (median) | peak RSS MB (vmsdq process) | checks in Spark |")
    print("|---|---|---|---|")
    for name, runs in results.items():
        wall = statistics.median(m.wall_s for m in runs)
        rss = max(m.peak_rss_mb for m in runs)
        where = ran_in_spark(runs[-1]) if name == "spark" else "-"
        print(f"| {name} ({args.master if name == 'spark' else 'embedded'}) | {wall:.1f} | "
              f"{rss:.0f} | {where} |")  # fmt: skip
    print(f"failed counts equal for every rule: {'yes' if same else 'NO'}")


if __name__ == "__main__":
    main()
