"""Keep what each run read, so a run can be re-validated without touching the sources.

Each snapshot becomes ``runs/<run_id>/snapshots/<view>.parquet`` plus ``<view>.json`` with the
source metadata (location, query, row count, watermark, read time). Parquet inputs are
hard-linked when the file system allows it (instant, and immune to later rewrites of the
source file, which replace the inode), copied otherwise; Arrow data is written once.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import asdict
from pathlib import Path
from typing import Any

from vmsdq.core.errors import ConfigError
from vmsdq.sources.base import RejectedRecord, Snapshot


def snapshot_dir(artifacts: Path, run_id: str) -> Path:
    return artifacts / "runs" / run_id / "snapshots"


def persist(snapshots: dict[str, Snapshot], artifacts: Path, run_id: str) -> None:
    """Write every snapshot (and its previous state) of a run into the artifact folder."""
    folder = snapshot_dir(artifacts, run_id)
    folder.mkdir(parents=True, exist_ok=True)
    for view, snap in snapshots.items():
        _persist_one(snap, folder, view)
        if snap.previous is not None:
            _persist_one(snap.previous, folder, f"{view}__previous")


def _persist_one(snap: Snapshot, folder: Path, view: str) -> None:
    files = _write_data(snap, folder, view)
    meta: dict[str, Any] = {
        "entity": snap.entity,
        "location": snap.location,
        "files": [f.name for f in files],
        "rejects": [asdict(r) for r in snap.rejects],
        **{k: _jsonable(v) for k, v in snap.meta.items()},
    }
    (folder / f"{view}.json").write_text(json.dumps(meta, indent=2, sort_keys=True))


def _write_data(snap: Snapshot, folder: Path, view: str) -> list[Path]:
    if snap.table is not None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        target = folder / f"{view}.parquet"
        table = snap.table
        if isinstance(table, pa.RecordBatchReader):
            table = table.read_all()
            snap.table = table  # a reader is consumed once; keep the data for the engine
        pq.write_table(table, target)
        return [target]
    out = []
    for i, src in enumerate(snap.parquet):
        target = folder / f"{view}.{i}.parquet"
        try:
            os.link(src, target)
        except OSError:
            shutil.copyfile(src, target)
        out.append(target)
    return out


def _jsonable(value: Any) -> Any:
    try:
        json.dumps(value)
    except TypeError:
        return str(value)
    return value


def load(artifacts: Path, run_id: str) -> dict[str, Snapshot]:
    """The snapshots a past run read, keyed by view name, ready for the engine."""
    folder = snapshot_dir(artifacts, run_id)
    if not folder.is_dir():
        raise ConfigError(f"run '{run_id}' has no stored snapshots (looked in {folder})")
    found: dict[str, Snapshot] = {}
    for meta_file in sorted(folder.glob("*.json")):
        meta = json.loads(meta_file.read_text())
        view = meta_file.stem
        found[view] = Snapshot(
            entity=meta["entity"],
            location=f"snapshot of run {run_id}: {meta['location']}",
            parquet=[str(folder / name) for name in meta.pop("files")],
            rejects=[RejectedRecord(**r) for r in meta.pop("rejects", [])],
            meta={**meta, "from_run": run_id},
        )
    for view in [v for v in found if v.endswith("__previous")]:
        owner = found.get(view.removesuffix("__previous"))
        prev = found.pop(view)
        if owner is not None:
            owner.previous = prev
    return found
