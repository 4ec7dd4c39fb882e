"""simulate() end to end: demo data per day, validated, stored and scored through the services."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from vmsdq.services.context import open_context
from vmsdq.services.demo import simulate


@pytest.mark.slow
def test_simulate_stores_one_scored_run_per_day(tmp_path: Path) -> None:
    end = datetime(2026, 11, 25, 6, tzinfo=UTC)
    ids = simulate(tmp_path, 2, volunteers=120, seed=3, end=end)
    assert len(ids) == 2 and ids[1].startswith("20261125T060000")
    ctx = open_context(tmp_path)
    runs = ctx.repos.runs.page().items
    assert sorted(r.run_id for r in runs) == sorted(ids)
    assert {r.config_version for r in runs} == {1}
    assert {r.status for r in runs} == {"completed"}
    assert all(r.finished_at == r.started_at for r in runs)  # the day's fixed clock
    overall = ctx.repos.history.overall()
    assert [p.run_id for p in overall] == ids
    assert all(p.score is not None and 0 <= p.score <= 100 for p in overall)
    volunteer = ctx.repos.history.entities(entity="volunteer")["volunteer"]
    assert volunteer[1].rows is not None and volunteer[1].rows >= 120
    assert volunteer[0].failed is not None and volunteer[0].evaluated


@pytest.mark.slow
def test_days_generated_ahead_store_the_same_history(tmp_path: Path) -> None:
    end = datetime(2026, 11, 25, 6, tzinfo=UTC)
    scores = {}
    for ahead in (False, True):
        simulate(tmp_path / str(ahead), 3, volunteers=150, seed=5, end=end, ahead=ahead)
        ctx = open_context(tmp_path / str(ahead))
        overall = [(p.at, p.score) for p in ctx.repos.history.overall()]
        entities = ctx.repos.history.entities(entity="participation")["participation"]
        scores[ahead] = overall, [(p.rows, p.failed, p.evaluated) for p in entities]
    assert len(scores[True][0]) == 3
    assert scores[True] == scores[False]


@pytest.mark.slow
def test_the_data_after_the_days_is_left_in_place_not_validated(tmp_path: Path) -> None:
    import hashlib

    from vmsdq.demo import generate_demo
    from vmsdq.demo.ahead import DemoDay

    at = datetime(2026, 11, 26, 6)
    then = DemoDay(150, 9, 1.0, at, write_truth=True)
    ids = simulate(tmp_path / "a", 2, volunteers=150, seed=5, ahead=True, then=then)
    generate_demo(tmp_path / "b", volunteers=150, seed=9, as_of=at, write_truth=True)

    def files(root: Path) -> dict[str, str]:
        return {
            str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for folder in ("data", "salesforce", "truth")
            for p in sorted((root / folder).rglob("*"))
            if p.is_file()
        }

    assert "truth/truth.parquet" in files(tmp_path / "b")
    assert files(tmp_path / "a") == files(tmp_path / "b")
    assert len(ids) == 2 and len(open_context(tmp_path / "a").repos.runs.page().items) == 2
