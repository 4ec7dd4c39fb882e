"""The demo's defect scale moves the overall quality score (the scoring trends story)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from vmsdq.demo import generate_demo
from vmsdq.scoring import score_run
from vmsdq.services.context import load, scratch_context
from vmsdq.services.runs import run_now
from vmsdq.spec.loader import load_project

AS_OF = datetime(2026, 5, 4, 12, 0)


def _overall(folder: Path, scale: float) -> float:
    generate_demo(folder, volunteers=1000, seed=42, defect_scale=scale, as_of=AS_OF)
    run = run_now(scratch_context(load(folder)), now=AS_OF)
    project = load_project(folder)
    overall = score_run(run, project.spec.scoring, project.entities).overall
    assert overall is not None
    return overall


@pytest.mark.parametrize(("scale", "low", "high"), [(0.3, 88.0, 94.0), (1.0, 75.0, 84.0),
                                                    (3.0, 60.0, 74.0)])  # fmt: skip
def test_overall_score_follows_the_defect_scale(tmp_path: Path, scale: float, low: float,
                                                high: float) -> None:  # fmt: skip
    assert low <= _overall(tmp_path, scale) <= high
