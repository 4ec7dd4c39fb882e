"""The artifact folder, and the only place that builds paths inside it.

Layout below the root (``store.artifacts`` of ``vmsdq.yaml``)::

    runs/<run>/snapshots/<view>.<i>.parquet + <view>.json   what the run read (its archive)
    runs/<run>/failures/<entity>.parquet                    failing rows (engine/failures.py)
    runs/<run>/failures-index.sqlite                        their pages, rule by rule
    runs/<run>/work/<source>/                               a source's scratch files for the run
    state/<source>/                                         kept between runs (watermarks)
    cache/<source>/                                         shared, rebuilt when missing

Every identifier that becomes a path (run id, view, entity, source) is checked first: a
name that could leave the folder (``..``, a slash, a leading dot) is refused.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from dataclasses import asdict
from pathlib import Path
from typing import Any

from vmsdq.core import sealed_files
from vmsdq.core.errors import ConfigError
from vmsdq.core.snapshots import RejectedRecord, Snapshot
from vmsdq.core.words import ViewRef, ViewRole
from vmsdq.core.workspace import Workspace

_SAFE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,199}$")


class UnsafeNameError(ConfigError):
    """An identifier that would reach outside the artifact folder."""


def checked(name: str, what: str) -> str:
    """``name`` when it is safe as one path component; UnsafeNameError otherwise."""
    if not isinstance(name, str) or not _SAFE.match(name) or ".." in name:
        raise UnsafeNameError(
            f"{what} '{name}' is not allowed: use letters, digits, '_', '-' and '.' "
            "(no '..', no slash, at most 200 characters)"
        )
    return name


class ArtifactStore:
    """Paths below one artifact folder, and the archive of what each run read."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def run_dir(self, run_id: str) -> Path:
        return self.root / "runs" / checked(run_id, "run id")

    def failures_dir(self, run_id: str, *, create: bool = True) -> Path:
        return _dir(self.run_dir(run_id) / "failures", create)

    def failures_file(self, run_id: str, entity: str) -> Path:
        return self.failures_dir(run_id, create=False) / f"{checked(entity, 'entity')}.parquet"

    def failure_files(self, run_id: str) -> list[Path]:
        """The run's failure files (none when the run wrote none or does not exist)."""
        folder = self.failures_dir(run_id, create=False)
        return sorted(folder.glob("*.parquet")) if folder.is_dir() else []

    def failure_index(self, run_id: str) -> Path:
        """The run's index of failing rows (``store.failure_index``), built on first use."""
        return self.run_dir(run_id) / "failures-index.sqlite"

    def snapshots_dir(self, run_id: str, *, create: bool = True) -> Path:
        return _dir(self.run_dir(run_id) / "snapshots", create)

    def work_dir(self, run_id: str, source: str) -> Path:
        """Scratch space of one source for one run (never shared by two runs)."""
        return _dir(self.run_dir(run_id) / "work" / checked(source, "source"), True)

    def workspace(self, run_id: str, source: str) -> Workspace:
        """The folders source ``source`` may write to during run ``run_id``."""
        return Workspace(
            scratch=self.work_dir(run_id, source),
            state=self.state_dir(source),
            cache=self.cache_dir(source),
        )

    def drop_work(self, run_id: str) -> None:
        """Remove the sources' scratch files of a run (what it read is in its archive)."""
        shutil.rmtree(self.run_dir(run_id) / "work", ignore_errors=True)

    def state_dir(self, *parts: str) -> Path:
        """State a source keeps between runs (watermarks, previous snapshots)."""
        return _dir(self.root.joinpath("state", *(checked(p, "state name") for p in parts)), True)

    def cache_dir(self, *parts: str) -> Path:
        return _dir(self.root.joinpath("cache", *(checked(p, "cache name") for p in parts)), True)

    def run_ids(self) -> list[str]:
        """Runs with a folder, oldest first (run ids sort by time)."""
        runs = self.root / "runs"
        return sorted(p.name for p in runs.iterdir() if p.is_dir()) if runs.is_dir() else []

    def delete_run(self, run_id: str) -> None:
        shutil.rmtree(self.run_dir(run_id), ignore_errors=True)

    def archive(self, run_id: str, view: str, snap: Snapshot) -> Snapshot:
        """Keep what the run read of ``view`` (and its previous state); returns the archived
        snapshot, which reads from the run's folder only. Writing twice replaces."""
        folder = self.snapshots_dir(run_id)
        _write_one(snap, folder, checked(view, "view"), self.root)
        if snap.previous is not None:
            _write_one(snap.previous, folder, _previous(view), self.root)
        found = self.snapshot(run_id, view)
        assert found is not None
        return found

    def snapshot(self, run_id: str, view: str) -> Snapshot | None:
        """The archived snapshot of ``view`` in ``run_id`` (with its previous state), or None."""
        folder = self.snapshots_dir(run_id, create=False)
        snap = _load_one(folder, checked(view, "view"), run_id)
        if snap is not None:
            snap.previous = _load_one(folder, _previous(view), run_id)
        return snap

    def snapshot_views(self, run_id: str) -> list[str]:
        folder = self.snapshots_dir(run_id, create=False)
        if not folder.is_dir():
            return []
        stems = [p.stem for p in folder.glob("*.json")]
        return sorted(s for s in stems if ViewRef.parse(s).role is not ViewRole.previous)

    def copy_snapshot(self, from_run: str, run_id: str, view: str) -> Snapshot | None:
        """Archive ``from_run``'s snapshot of ``view`` under ``run_id`` (hard links)."""
        found = self.snapshot(from_run, view)
        if found is None:
            return None
        found.meta["from_run"] = from_run
        found.location = f"snapshot of run {from_run}: {found.location}"
        return self.archive(run_id, view, found)

    def rows_at_rest(self) -> tuple[list[Path], list[Path]]:
        """The files holding source rows that ``core.sealed_files`` wrote: Parquet (every
        run's archive and scratch, the sources' and the engine's state) and the archive's
        metadata (text). ``cache/`` is left out: it holds the demo's generated dataset."""
        runs = [self.run_dir(r) for r in self.run_ids()]
        folders = [f for r in runs for f in (r / "snapshots", r / "work")]
        parquet = sealed_files.files_below([*folders, self.root / "state"])
        meta = [p for r in runs for p in sorted((r / "snapshots").glob("*.json"))]
        return parquet, meta

    def drop_snapshots(self, run_id: str) -> None:
        shutil.rmtree(self.snapshots_dir(run_id, create=False), ignore_errors=True)


def _previous(view: str) -> str:
    """The archive name of a view's previous state (``volunteer`` -> ``volunteer__previous``)."""
    return ViewRef(ViewRef.parse(view).entity, ViewRole.previous).name


def _dir(path: Path, create: bool) -> Path:
    if create:
        path.mkdir(parents=True, exist_ok=True)
    return path


def _write_one(snap: Snapshot, folder: Path, view: str, root: Path) -> None:
    for old in folder.glob(f"{view}.*.parquet"):
        old.unlink()
    files = _write_data(snap, folder, view, root)
    meta: dict[str, Any] = {
        **{k: _jsonable(v) for k, v in snap.meta.items()},
        "entity": snap.entity,
        "location": snap.location,
        "files": [f.name for f in files],
        "rejects": [asdict(r) for r in snap.rejects],
        "rows": _rows(files),
    }
    # the metadata (rejected lines are personal) appears last: a half archive is none
    sealed_files.write_text(folder / f"{view}.json", json.dumps(meta, indent=2, sort_keys=True))


def _write_data(snap: Snapshot, folder: Path, view: str, root: Path) -> list[Path]:
    """The snapshot's rows as Parquet in ``folder``: Arrow is written, files are copied, or
    rewritten encrypted when a key is set and they are plain. Only files this store wrote
    (under ``root``, never rewritten in place) are hard-linked: a user's export rewritten in
    place (same inode) would otherwise change every earlier run's archive with it."""
    if snap.table is not None:
        target = folder / f"{view}.0.parquet"
        sealed_files.write_table(snap.table, target)
        return [target]
    out = []
    encrypt = sealed_files.active()
    for i, src in enumerate(snap.parquet):
        target = folder / f"{view}.{i}.parquet"
        if Path(src).resolve() == target.resolve():
            out.append(target)
            continue
        if encrypt and not sealed_files.is_encrypted(src):
            sealed_files.copy_file(src, target)
            out.append(target)
            continue
        if Path(src).resolve().is_relative_to(root.resolve()):
            try:
                os.link(src, target)
            except OSError:
                shutil.copyfile(src, target)
        else:
            shutil.copyfile(src, target)  # copy_file_range/sendfile on Linux
        out.append(target)
    return out


def _rows(files: list[Path]) -> int:
    return sum(sealed_files.num_rows(f) for f in files)


def _load_one(folder: Path, view: str, run_id: str) -> Snapshot | None:
    meta_file = folder / f"{view}.json"
    if not meta_file.is_file():
        return None
    meta = json.loads(sealed_files.read_text(meta_file))
    return Snapshot(
        entity=meta.pop("entity"),
        location=meta.pop("location"),
        parquet=[str(folder / name) for name in meta.pop("files")],
        rejects=[RejectedRecord(**r) for r in meta.pop("rejects", [])],
        meta={**meta, "run": run_id},
    )


def _jsonable(value: Any) -> Any:
    try:
        json.dumps(value)
    except TypeError:
        return str(value)
    return value
