"""The artifact folder layout the engine, runner and exports share."""

from __future__ import annotations

from pathlib import Path

import pytest

from vmsdq.store import ArtifactStore


def test_run_folders_and_state(tmp_path: Path) -> None:
    store = ArtifactStore(tmp_path / "art")
    assert store.failures_dir("20261126T080000-abc123") == (
        tmp_path / "art" / "runs" / "20261126T080000-abc123" / "failures"
    )
    assert store.snapshots_dir("20261126T080000-abc123").is_dir()
    assert store.failures_file("20261126T080000-abc123", "volunteer") == (
        tmp_path / "art" / "runs" / "20261126T080000-abc123" / "failures" / "volunteer.parquet"
    )
    assert store.state_dir() == tmp_path / "art" / "state" and store.state_dir().is_dir()
    store.failures_dir("20261127T080000-def456")
    assert store.run_ids() == ["20261126T080000-abc123", "20261127T080000-def456"]
    store.delete_run("20261126T080000-abc123")
    assert store.run_ids() == ["20261127T080000-def456"]


@pytest.mark.parametrize("bad", ["../etc", "a/b", "", ".hidden", "x..y"])
def test_names_that_could_escape_the_folder_are_refused(tmp_path: Path, bad: str) -> None:
    with pytest.raises(ValueError, match="may hold only letters, digits"):
        ArtifactStore(tmp_path).run_dir(bad)
