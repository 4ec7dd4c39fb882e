"""The artifact folder: per-run failure files and snapshots, and state kept between runs."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

_SAFE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


class ArtifactStore:
    """Folders ``runs/<run_id>/failures/``, ``runs/<run_id>/snapshots/`` and ``state/``."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def run_dir(self, run_id: str) -> Path:
        return self.root / "runs" / _checked(run_id, "run id")

    def failures_dir(self, run_id: str, *, create: bool = True) -> Path:
        return self._dir(self.run_dir(run_id) / "failures", create)

    def snapshots_dir(self, run_id: str, *, create: bool = True) -> Path:
        return self._dir(self.run_dir(run_id) / "snapshots", create)

    def failures_file(self, run_id: str, entity: str) -> Path:
        """Where the engine writes an entity's failing rows (see docs/rules.md)."""
        return self.failures_dir(run_id, create=False) / f"{_checked(entity, 'entity')}.parquet"

    def state_dir(self, *, create: bool = True) -> Path:
        """State kept between runs (watermarks, previous snapshots)."""
        return self._dir(self.root / "state", create)

    def run_ids(self) -> list[str]:
        """Runs with a folder, oldest first (run ids sort by time)."""
        runs = self.root / "runs"
        return sorted(p.name for p in runs.iterdir() if p.is_dir()) if runs.is_dir() else []

    def delete_run(self, run_id: str) -> None:
        """Remove a run's folder (failures and snapshots)."""
        shutil.rmtree(self.run_dir(run_id), ignore_errors=True)

    @staticmethod
    def _dir(path: Path, create: bool) -> Path:
        if create:
            path.mkdir(parents=True, exist_ok=True)
        return path


def _checked(name: str, what: str) -> str:
    """Refuse names that could escape the folder (``..``, slashes)."""
    if not _SAFE.match(name) or ".." in name:
        raise ValueError(f"{what} '{name}' may hold only letters, digits, '_', '-' and '.'")
    return name
