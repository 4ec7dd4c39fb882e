"""Ground truth: the oracle over the final rows, checked against what was injected."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import numpy as np
import pyarrow as pa

from vmsdq.demo.frame import Frame
from vmsdq.demo.inject_rules import TABLE_KEY
from vmsdq.demo.manifest import DemoManifest
from vmsdq.demo.oracle import Rows, evaluate
from vmsdq.demo.rules import TruthRule
from vmsdq.demo.write import write_parquet
from vmsdq.spec.models import EntitySpec


def rows_of(
    frame: Frame, spec: EntitySpec, keep: np.ndarray | None = None, *, text: bool = False
) -> Rows:
    """The final rows, and the columns the file delivers (``text``: a CSV, all strings)."""
    table = frame.table()
    if keep is not None:
        table = table.filter(pa.array(keep))
    raw = {name: table.column(name).to_pylist() for name in spec.fields}
    delivered = [(f.name, "string" if text else _family(f.type)) for f in table.schema]
    return Rows(spec=spec, raw=raw, delivered=delivered)


def _family(kind: pa.DataType) -> str:
    """The field type an Arrow column type is, as docs/rules.md names them."""
    checks = [
        (pa.types.is_boolean, "boolean"), (pa.types.is_integer, "integer"),
        (pa.types.is_floating, "number"), (pa.types.is_decimal, "number"),
        (pa.types.is_timestamp, "timestamp"), (pa.types.is_date, "date"),
    ]  # fmt: skip
    return next((name for check, name in checks if check(kind)), "string")


def injected_pairs(frames: dict[str, Frame], malformed: np.ndarray) -> set[tuple[str, str]]:
    pairs: set[tuple[str, str]] = set()
    for frame in frames.values():
        keys = frame.col(frame.key)
        for rule, parts in frame.injected.items():
            rows = np.concatenate(parts)
            pairs |= {
                (rule, "" if k is None else str(k)) for k in keys.take(pa.array(rows)).to_pylist()
            }
        pairs |= {(rule, TABLE_KEY) for rule in frame.table_defects}
    pairs |= {("teacher.record.parseable", f"line:{int(r) + 2}") for r in malformed}
    return pairs


def compute_truth(frames: dict[str, Frame], previous: Frame, specs: dict[str, EntitySpec],
                  rules: list[TruthRule], malformed: np.ndarray, now: datetime,
                  unknown: list[str] | None = None) -> set[tuple[str, str]]:  # fmt: skip
    data: dict[str, Rows] = {}
    for entity, frame in frames.items():
        keep = None
        if entity == "teacher":
            keep = np.ones(frame.n, dtype=bool)
            keep[malformed] = False
        path = specs[entity].sources["vms"].path or ""
        data[entity] = rows_of(frame, specs[entity], keep, text=path.endswith(".csv"))
    data["teacher"].rejected_lines = sorted(int(r) + 2 for r in malformed)
    prev = {"event": rows_of(previous, specs["event"], ~previous.used)}
    return evaluate(rules, data, prev, now, unknown)


def write_truth_file(project_dir: Path, frames: dict[str, Frame], previous: Frame,
                     specs: dict[str, EntitySpec], rules: list[TruthRule], malformed: np.ndarray,
                     now: datetime, manifest: DemoManifest) -> None:  # fmt: skip
    truth = compute_truth(frames, previous, specs, rules, malformed, now, manifest.unchecked)
    injected = injected_pairs(frames, malformed)
    manifest.missing = sorted(injected - truth)
    ordered = sorted(truth)
    table = pa.table({
        "rule": pa.array([r for r, _ in ordered], pa.string()),
        "key": pa.array([k for _, k in ordered], pa.string()),
    })  # fmt: skip
    path = project_dir / "truth" / "truth.parquet"
    write_parquet(table, path)
    manifest.truth_path = path
    manifest.truth_rows = len(ordered)
