"""Fixed overhead of ``vmsdq validate`` as a whole process (issue #9, target <= 0.4 s).

    .venv/bin/python bench/overhead.py --repeat 10

Builds ``bench/.work/overhead/``: one entity of 10 CSV rows with 5 rules (id required and
unique, amount type and range, one expression). One warm-up run (it creates the results store,
SQLite), then ``--repeat`` measured runs of ``vmsdq validate --project DIR --format json``
(start, load the project, open the store, validate, score, save); wall, CPU (user + system
of the child) and peak RSS from ``wait4``, medians printed with the command and the load
average around them. Pass ``--python-only`` to time ``python -c pass`` and
``python -c "import vmsdq.cli"`` the same way (the floor the start-up sits on).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from tools.measure import Measurement, run_measured  # noqa: E402

WORK = Path(__file__).resolve().parent / ".work" / "overhead"
VMSDQ = Path(sys.executable).with_name("vmsdq")
PROJECT = """\
name: overhead
sources:
  vms: {type: files, path: data}
default_source: vms
entities: ["entities/*.yaml"]
"""
ENTITY = """\
entity: item
key: id
sources:
  vms: {path: item.csv}
fields:
  id: {required: true, unique: true}
  amount: {type: integer, min: 0}
rules:
  - {name: small, type: expression, check: 'amount < 100'}
"""


def write_project(root: Path) -> Path:
    """A project with one 10-row entity ``item`` and 5 rules (one row fails the range)."""
    (root / "entities").mkdir(parents=True, exist_ok=True)
    (root / "data").mkdir(exist_ok=True)
    (root / "vmsdq.yaml").write_text(PROJECT)
    lines = ["id,amount"] + [f"{i},{i * 7 % 50 - (1 if i == 3 else 0) * 30}" for i in range(10)]
    (root / "data" / "item.csv").write_text("\n".join(lines) + "\n")
    (root / "entities" / "item.yaml").write_text(ENTITY)
    return root


def measure(cmd: list[str], root: Path, repeat: int) -> list[Measurement]:
    runs = []
    for i in range(repeat + 1):
        m = run_measured(cmd, cwd=root, timeout_s=120.0)
        if m.timed_out or m.returncode not in (0, 1):
            raise SystemExit(f"{' '.join(cmd)}: exit {m.returncode}\n{m.stderr_tail}")
        if i:  # the first run creates the store (and any bytecode) and is a warm-up
            runs.append(m)
    return runs


def row(name: str, runs: list[Measurement]) -> str:
    wall = statistics.median(m.wall_s for m in runs)
    cpu = statistics.median(m.cpu_s for m in runs)
    low = min(m.cpu_s for m in runs)
    rss = statistics.median(m.peak_rss_mb for m in runs)
    return f"| {name} | {wall:.3f} | {cpu:.3f} | {low:.3f} | {rss:.0f} | {len(runs)} |"


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> None:
    # An installed vmsdq has bytecode; this environment may forbid writing it.
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--python-only", action="store_true")
    args = parser.parse_args()
    root = write_project(WORK)
    cmd = [str(VMSDQ), "validate", "--project", str(root), "--format", "json"]
    print(f"command: {' '.join(cmd)}")
    print(f"load average at start: {load()}")
    print("| what | wall s (median) | CPU s (median) | CPU s (min) | peak RSS MiB | runs |")
    print("|---|---:|---:|---:|---:|---:|")
    if args.python_only:
        for name, code in (("python -c pass", "pass"), ("import vmsdq.cli", "import vmsdq.cli")):
            print(row(name, measure([sys.executable, "-c", code], root, args.repeat)))
    runs = measure(cmd, root, args.repeat)
    report = json.loads(runs[-1].stdout)
    [entity] = report["entities"]
    outcomes = {r["rule"]: r["outcome"] for r in entity["rules"]}
    print(row("vmsdq validate (5 rules, 10 rows)", runs), flush=True)
    print(f"load average at end: {load()}")
    print(f"status {report['status']}, verdict {report['verdict']}, outcomes {outcomes}")


if __name__ == "__main__":
    main()
