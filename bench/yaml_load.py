"""Loading a big project file: one entity YAML of about ``--mb`` megabytes.

    .venv/bin/python bench/yaml_load.py --mb 10

Writes ``bench/.work/yaml_load/<mb>mb/`` (a files source, one entity ``wide`` whose fields
carry the shorthand checks, picklists of 40 values and descriptions, plus one expression rule
per field written in block style, with ``when:``), then times in this process, CPU and wall:
``load_yaml`` (parse with positions), ``load_project`` (parse + models + cross-check with the
expression sandbox) and ``compile_entity``; and the whole ``vmsdq check`` process. Prints one
Markdown row, with the load average.

The in-process phases run with the cyclic collector paused, as ``vmsdq check`` runs them
(``--gc`` keeps it on at the CLI's thresholds, to see what it costs).
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from tools.measure import run_measured  # noqa: E402

WORK = Path(__file__).resolve().parent / ".work" / "yaml_load"
VMSDQ = Path(sys.executable).with_name("vmsdq")
PROJECT = """\
name: wide
sources:
  vms: {type: files, path: data}
default_source: vms
entities: ["entities/*.yaml"]
"""
PICKLIST = ", ".join(f"Value number {i}" for i in range(40))


def _field(i: int) -> list[str]:
    kind = i % 4
    lines = [f"  f{i}:", f"    description: Field {i} of the wide entity, as synced from the CRM."]
    if kind == 0:
        lines += ["    required: true", f"    allowed: [{PICKLIST}]"]
    elif kind == 1:
        lines += ["    type: integer", "    min: 0", f"    max: {1000 + i}"]
    elif kind == 2:
        lines += ["    length: 120", "    format: email"]
    else:
        lines += ["    type: date", "    min: 2000-01-01"]
    return lines


def _rule(i: int) -> list[str]:
    other = f"f{i - 1}" if i > 1 else "f1"
    return [
        f"  - name: rule_{i}",
        "    type: expression",
        f"    description: Rule {i} - field {i} agrees with the field before.",
        f"    when: f{i} IS NOT NULL AND {other} IS NOT NULL",
        f'    check: "coalesce(length(cast(f{i} AS VARCHAR)), 0) + {i % 97} >= 0"',
    ]


def write_project(megabytes: float) -> tuple[Path, int]:
    root = WORK / f"{megabytes:g}mb"
    (root / "entities").mkdir(parents=True, exist_ok=True)
    (root / "data").mkdir(exist_ok=True)
    (root / "vmsdq.yaml").write_text(PROJECT)
    head = ["entity: wide", "key: f1", "sources:", "  vms: {path: wide.csv}", "fields:"]
    fields: list[str] = []
    rules: list[str] = ["rules:"]
    size, n = 0, 0
    while size < megabytes * 1_000_000:
        n += 1
        block, rule = _field(n), _rule(n)
        fields += block
        rules += rule
        size += sum(len(x) + 1 for x in block + rule)
    text = "\n".join(head + fields + rules) + "\n"
    (root / "entities" / "wide.yaml").write_text(text)
    return root, n


def _timed(fn: object, *args: object) -> tuple[object, float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    out = fn(*args)  # type: ignore[operator]
    return out, time.perf_counter() - wall, time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mb", type=float, default=10.0)
    parser.add_argument("--no-process", action="store_true", help="skip the vmsdq check run")
    parser.add_argument("--gc", action="store_true", help="keep the cyclic collector on")
    args = parser.parse_args()
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)  # an installed vmsdq has bytecode
    from vmsdq.checks.compiler import compile_entity
    from vmsdq.spec.loader import load_project
    from vmsdq.spec.yamlpos import load_yaml

    root, fields = write_project(args.mb)
    file = root / "entities" / "wide.yaml"
    mb = file.stat().st_size / 1_000_000
    print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"{file}: {mb:.1f} MB, {fields:,} fields, {fields:,} expression rules")
    if args.gc:
        from vmsdq.cli import GC_THRESHOLDS

        gc.set_threshold(*GC_THRESHOLDS)
    else:
        gc.disable()
    _, yaml_wall, yaml_cpu = _timed(load_yaml, file)
    project, load_wall, load_cpu = _timed(load_project, root)
    entity = project.entities["wide"]  # type: ignore[attr-defined]
    _, comp_wall, comp_cpu = _timed(compile_entity, entity, {"wide": entity})
    gc.enable()
    process = "not run"
    if not args.no_process:
        m = run_measured([str(VMSDQ), "check", "--project", str(root)], cwd=root, timeout_s=1800)
        process = f"{m.wall_s:.1f} / {m.cpu_s:.1f} (exit {m.returncode})"
    print("| file | load_yaml s (wall / CPU) | load_project s | compile s | vmsdq check s |")
    print("|---|---:|---:|---:|---:|")
    print(
        f"| {mb:.1f} MB, {fields:,} fields + rules | {yaml_wall:.1f} / {yaml_cpu:.1f} "
        f"| {load_wall:.1f} / {load_cpu:.1f} | {comp_wall:.1f} / {comp_cpu:.1f} | {process} |"
    )
    print(f"load average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
