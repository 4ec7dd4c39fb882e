"""The folders a source may write to, all inside the project's artifact folder."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Workspace:
    """Where one source keeps files (built by ``store.ArtifactStore.workspace``).

    ``scratch`` belongs to one run (two runs never share it), ``state`` is kept between runs
    (watermarks, previous copies), ``cache`` is shared and rebuilt when missing.
    """

    scratch: Path
    state: Path
    cache: Path

    @classmethod
    def at(cls, folder: Path) -> Workspace:
        """All three below one folder: for a read outside any run (tests, one-off reads)."""
        folder = Path(folder)
        return cls(folder / "scratch", folder / "state", folder / "cache")
