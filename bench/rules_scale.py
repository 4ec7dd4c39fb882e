"""Rule-count curve as a whole process: ``vmsdq validate`` of one small entity with N rules.

    .venv/bin/python bench/rules_scale.py --rules 10,100,1000,10000 --repeat 3

Each count gets a project under ``bench/.work/rules_scale/<N>/``: one entity of 100 CSV rows
and N expression rules, half of them failing on some rows (like ``bench/rule_count.py``, which
times the engine alone). One warm-up run, then ``--repeat`` measured runs of
``vmsdq validate --project DIR --format json`` (store on: the run, its failures and scores are
saved), wall and CPU (user + system of the child) from ``wait4``; the median is printed as
one Markdown row per count, with the load average around it.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from tools.measure import run_measured  # noqa: E402

ROWS = 100
WORK = Path(__file__).resolve().parent / ".work" / "rules_scale"
VMSDQ = Path(sys.executable).with_name("vmsdq")
PROJECT = """\
name: rules{n}
sources:
  vms: {{type: files, path: data}}
default_source: vms
entities: ["entities/*.yaml"]
"""


def write_project(rules: int, root: Path) -> Path:
    """A project with one 100-row entity ``item`` and ``rules`` expression rules."""
    (root / "entities").mkdir(parents=True, exist_ok=True)
    (root / "data").mkdir(exist_ok=True)
    (root / "vmsdq.yaml").write_text(PROJECT.format(n=rules))
    lines = ["id,amount"] + [f"{i},{i % 60}" for i in range(ROWS)]
    (root / "data" / "item.csv").write_text("\n".join(lines) + "\n")
    entity = [
        "entity: item",
        "key: id",
        "sources:",
        "  vms: {path: item.csv}",
        "fields:",
        "  id: {type: integer}",
        "  amount: {type: integer}",
        "rules:",
    ]
    for i in range(rules):
        rule = f"name: r{i}, type: expression, check: 'amount >= {i % 50 if i % 2 else 0}'"
        entity.append(f"  - {{{rule}, when: 'amount IS NOT NULL'}}" if i % 2 else f"  - {{{rule}}}")
    (root / "entities" / "item.yaml").write_text("\n".join(entity) + "\n")
    return root


def measure(rules: int, repeat: int) -> dict[str, float | int]:
    root = write_project(rules, WORK / str(rules))
    cmd = [str(VMSDQ), "validate", "--project", str(root), "--format", "json"]
    timeout = 60.0 + rules * 0.5
    runs = []
    for i in range(repeat + 1):
        m = run_measured(cmd, cwd=root, timeout_s=timeout)
        if m.timed_out or m.returncode not in (0, 1):
            raise SystemExit(f"{rules} rules: exit {m.returncode}\n{m.stderr_tail}")
        if i:  # the first run creates the store and is a warm-up
            runs.append(m)
    report = json.loads(runs[-1].stdout)
    [entity] = report["entities"]
    failing = sum(1 for r in entity["rules"] if r["outcome"] == "failed")
    return {
        "wall": statistics.median(m.wall_s for m in runs),
        "cpu": statistics.median(m.cpu_s for m in runs),
        "rss": max(m.peak_rss_mb for m in runs),
        "failing": failing,
        "evaluated": len(entity["rules"]),
    }


def main() -> None:
    # An installed vmsdq has bytecode; this environment may forbid writing it (every start
    # would then compile ~160 modules from source), so the child processes may write it.
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rules", default="10,100,1000,10000")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print("| rules | wall s | CPU s | CPU s per 1,000 rules | peak RSS MiB | rules failing |")
    print("|---:|---:|---:|---:|---:|---:|")
    for count in (int(n) for n in args.rules.split(",")):
        r = measure(count, args.repeat)
        per = float(r["cpu"]) / count * 1000
        print(
            f"| {count:,} | {r['wall']:.2f} | {r['cpu']:.2f} | {per:.2f} | {r['rss']:.0f} "
            f"| {r['failing']:,} of {r['evaluated']:,} |",
            flush=True,
        )
    print(f"load average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
