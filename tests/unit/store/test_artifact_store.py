"""The artifact folder layout the engine, runner and exports share."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from vmsdq.core.snapshots import RejectedRecord, Snapshot
from vmsdq.store import ArtifactStore
from vmsdq.store.artifacts import UnsafeNameError


def test_run_folders_and_state(tmp_path: Path) -> None:
    store = ArtifactStore(tmp_path / "art")
    assert store.failures_dir("20261126T080000-abc123") == (
        tmp_path / "art" / "runs" / "20261126T080000-abc123" / "failures"
    )
    assert store.snapshots_dir("20261126T080000-abc123").is_dir()
    assert store.failures_file("20261126T080000-abc123", "volunteer") == (
        tmp_path / "art" / "runs" / "20261126T080000-abc123" / "failures" / "volunteer.parquet"
    )
    assert store.state_dir("crm") == tmp_path / "art" / "state" / "crm"
    assert store.state_dir("crm").is_dir()
    store.failures_dir("20261127T080000-def456")
    assert store.run_ids() == ["20261126T080000-abc123", "20261127T080000-def456"]
    store.delete_run("20261126T080000-abc123")
    assert store.run_ids() == ["20261127T080000-def456"]


ESCAPES = ["../etc", "a/b", "", ".hidden", "x..y", "/etc/passwd", "..", "a\\b", "x" * 201]


@pytest.mark.parametrize("bad", ESCAPES)
def test_names_that_could_escape_the_folder_are_refused(tmp_path: Path, bad: str) -> None:
    store = ArtifactStore(tmp_path)
    for build in (
        lambda: store.run_dir(bad),
        lambda: store.failures_file("r1", bad),
        lambda: store.snapshot("r1", bad),
        lambda: store.work_dir("r1", bad),
        lambda: store.state_dir(bad),
        lambda: store.cache_dir(bad),
    ):
        with pytest.raises(UnsafeNameError, match="is not allowed"):
            build()
    assert not any(tmp_path.parent.glob("etc*"))


def test_the_archive_keeps_what_a_run_read_even_when_the_source_changes(tmp_path: Path) -> None:
    src = tmp_path / "event.parquet"
    pq.write_table(pa.table({"id": ["e1", "e2"], "status": ["open", "closed"]}), src)
    store = ArtifactStore(tmp_path / "art")
    reader = pa.table({"id": ["v1"], "email": ["a@b.org"]}).to_reader()
    reject = RejectedRecord("volunteer", "v.csv", 7, "too many columns", "a,b,c")
    store.archive(
        "r1",
        "volunteer",
        Snapshot(
            "volunteer",
            "sql: volunteers",
            table=reader,
            meta={"query": "SELECT 1"},
            rejects=[reject],
        ),
    )
    previous = Snapshot("event", "prev", table=pa.table({"id": ["e1"]}))
    store.archive("r1", "event", Snapshot("event", str(src), parquet=[str(src)], previous=previous))
    src.unlink()  # the source changes; the run's snapshot must not

    vol = store.snapshot("r1", "volunteer")
    assert vol is not None and vol.meta["query"] == "SELECT 1" and vol.meta["rows"] == 1
    assert pq.read_table(vol.parquet[0]).to_pydict() == {"id": ["v1"], "email": ["a@b.org"]}
    assert vol.rejects == [reject]
    event = store.snapshot("r1", "event")
    assert event is not None and event.previous is not None
    assert pq.read_table(event.parquet[0]).column("status").to_pylist() == ["open", "closed"]
    assert pq.read_table(event.previous.parquet[0]).column("id").to_pylist() == ["e1"]
    assert store.snapshot_views("r1") == ["event", "volunteer"]
    copied = store.copy_snapshot("r1", "r2", "event")
    assert copied is not None and copied.meta["from_run"] == "r1"
    assert copied.location == f"snapshot of run r1: {src}"
    assert store.snapshot("r2", "nothing") is None


def test_a_source_rewritten_in_place_leaves_earlier_archives_alone(tmp_path: Path) -> None:
    # an export job that rewrites its file in place keeps the inode: a hard link to it
    # would make the first run's snapshot show the second run's rows (drift compared the
    # new data with itself; transitions saw no change)
    src = tmp_path / "exports" / "participation.parquet"
    src.parent.mkdir()
    pq.write_table(pa.table({"id": ["p1", "p2"], "hours": [1.0, 2.0]}), src)
    store = ArtifactStore(tmp_path / "art")
    store.archive("r1", "participation", Snapshot("participation", str(src), parquet=[str(src)]))
    inode = src.stat().st_ino
    pq.write_table(pa.table({"id": ["p1", "p2"], "hours": [9.0, 9.0]}), src)
    assert src.stat().st_ino == inode  # rewritten in place, as the test intends
    store.archive("r2", "participation", Snapshot("participation", str(src), parquet=[str(src)]))

    first = store.snapshot("r1", "participation")
    second = store.snapshot("r2", "participation")
    assert first is not None and second is not None
    assert pq.read_table(first.parquet[0]).column("hours").to_pylist() == [1.0, 2.0]
    assert pq.read_table(second.parquet[0]).column("hours").to_pylist() == [9.0, 9.0]
    # a snapshot copied from an earlier run (``--from-run``) is the store's own file: linked
    copied = store.copy_snapshot("r1", "r3", "participation")
    assert copied is not None
    assert Path(copied.parquet[0]).stat().st_ino == Path(first.parquet[0]).stat().st_ino
