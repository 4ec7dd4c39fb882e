"""Days generated ahead in a worker process are the files generated in place, day by day."""

from __future__ import annotations

import hashlib
from datetime import datetime
from pathlib import Path

import pytest

from vmsdq.demo.ahead import STAGING, DemoDay, days_in_place

DAYS = [
    DemoDay(volunteers=150, seed=3, defect_scale=2.5, as_of=datetime(2026, 11, 1, 6)),
    DemoDay(volunteers=150, seed=4, defect_scale=1.0, as_of=datetime(2026, 11, 2, 6)),
    DemoDay(volunteers=105, seed=5, defect_scale=6.0, as_of=datetime(2026, 11, 3, 6)),
]


def _digests(project: Path) -> dict[str, str]:
    """Every file but the configuration and the store, by path."""
    return {
        str(p.relative_to(project)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(project.rglob("*"))
        if p.is_file() and p.parts[len(project.parts)] in ("data", "salesforce", "truth")
    }


@pytest.mark.slow
def test_each_day_ahead_is_the_day_generated_in_place(tmp_path: Path) -> None:
    in_place = [_digests(tmp_path / "here") for _ in days_in_place(tmp_path / "here", DAYS,
                                                                   ahead=False)]  # fmt: skip
    ahead = tmp_path / "ahead"
    (ahead / "truth").mkdir(parents=True)
    (ahead / "truth" / "truth.parquet").write_bytes(b"an earlier demo's truth")
    seen = []
    for i in days_in_place(ahead, DAYS, ahead=True):
        seen.append(i)
        assert _digests(ahead) == in_place[i], f"day {i}"
        if i == 0:
            assert (ahead / STAGING).is_dir()  # the worker writes day 1 meanwhile
    assert seen == [0, 1, 2]
    assert len({tuple(d.values()) for d in in_place}) == 3  # three different days
    assert "truth/truth.parquet" not in in_place[0]
    assert not (ahead / STAGING).exists()


@pytest.mark.slow
def test_a_day_the_worker_cannot_generate_is_an_error(tmp_path: Path) -> None:
    days = [DAYS[0], DemoDay(volunteers=-5, seed=1, defect_scale=1.0, as_of=DAYS[1].as_of)]
    found = []
    with pytest.raises(ValueError, match="volunteers"):
        found.extend(days_in_place(tmp_path, days, ahead=True))
    assert found == [0]
    assert not (tmp_path / STAGING).exists()
