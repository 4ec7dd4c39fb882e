"""The demo's simulated history: one generated, validated and scored run per day."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from vmsdq.demo import generate_demo
from vmsdq.demo.history import DayPlan, plan
from vmsdq.services.context import open_context
from vmsdq.services.runs import run_now


def simulate(
    project_dir: Path,
    days: int,
    *,
    volunteers: int,
    seed: int,
    end: datetime | None = None,
    progress: Callable[[int, DayPlan], None] | None = None,
) -> list[str]:
    """Generate, validate, store and score one run per simulated day; returns the run ids.

    Each day regenerates the data with that day's defect scale and validates it with the
    run's clock fixed at that day, so trends and anomalies have a real history to read.
    ``progress(i, day)`` is called once day ``i`` (from 0) is stored.
    """
    run_ids = []
    for i, p in enumerate(plan(days, volunteers=volunteers, seed=seed, end=end)):
        generate_demo(
            project_dir,
            volunteers=p.volunteers,
            seed=seed + i,
            defect_scale=p.defect_scale,
            as_of=p.day,
            write_truth=False,  # the ground truth is for tests; a day of history needs none
            salesforce=True,  # but it is reconciled with the Salesforce side
        )
        ctx = open_context(project_dir)
        run_ids.append(run_now(ctx, now=p.day).run_id)
        if progress is not None:
            progress(i, p)
    return run_ids
