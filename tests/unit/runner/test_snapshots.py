from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from vmsdq import snapshots
from vmsdq.core.errors import ConfigError
from vmsdq.core.snapshots import RejectedRecord, Snapshot


def test_arrow_and_parquet_snapshots_round_trip(tmp_path: Path) -> None:
    src = tmp_path / "event.parquet"
    pq.write_table(pa.table({"id": ["e1", "e2"], "status": ["open", "closed"]}), src)
    reader = pa.table({"id": ["v1"], "email": ["a@b.org"]}).to_reader()
    taken = {
        "volunteer": Snapshot(
            entity="volunteer",
            location="sql: volunteers",
            table=reader,
            meta={"query": "SELECT * FROM volunteers", "rows": 1},
            rejects=[RejectedRecord("volunteer", "v.csv", 7, "too many columns", "a,b,c")],
        ),
        "event": Snapshot(
            entity="event",
            location=str(src),
            parquet=[str(src)],
            previous=Snapshot(entity="event", location="prev", table=pa.table({"id": ["e1"]})),
        ),
    }
    snapshots.persist(taken, tmp_path / "artifacts", "run1")
    src.unlink()  # the source changes; the run's snapshot must not

    loaded = snapshots.load(tmp_path / "artifacts", "run1")

    assert set(loaded) == {"volunteer", "event"}
    vol = loaded["volunteer"]
    assert pq.read_table(vol.parquet[0]).to_pydict() == {"id": ["v1"], "email": ["a@b.org"]}
    assert vol.meta["query"] == "SELECT * FROM volunteers"
    assert vol.meta["from_run"] == "run1"
    assert vol.rejects == [RejectedRecord("volunteer", "v.csv", 7, "too many columns", "a,b,c")]
    event = loaded["event"]
    assert pq.read_table(event.parquet[0]).column("status").to_pylist() == ["open", "closed"]
    assert event.previous is not None
    assert pq.read_table(event.previous.parquet[0]).column("id").to_pylist() == ["e1"]


def test_loading_a_run_without_snapshots_names_the_run(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="run 'nope' has no stored snapshots"):
        snapshots.load(tmp_path, "nope")
