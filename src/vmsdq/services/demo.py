"""The demo's simulated history: one generated, validated and scored run per day."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from vmsdq.demo.ahead import DemoDay, days_in_place
from vmsdq.demo.history import DayPlan, plan
from vmsdq.services.context import load, open_context
from vmsdq.services.runs import run_now
from vmsdq.spec.models import Project

AHEAD_MIN_VOLUNTEERS = 1000  # below this a day's data costs less than starting a worker


def simulate(
    project_dir: Path,
    days: int,
    *,
    volunteers: int,
    seed: int,
    end: datetime | None = None,
    progress: Callable[[int, DayPlan], None] | None = None,
    ahead: bool | None = None,
    then: DemoDay | None = None,
) -> list[str]:
    """Generate, validate, store and score one run per simulated day; returns the run ids.

    Each day regenerates the data with that day's defect scale and validates it with the
    run's clock fixed at that day, so trends and anomalies have a real history to read.
    ``progress(i, day)`` is called once day ``i`` (from 0) is stored. With ``ahead`` (default:
    from 1,000 volunteers) the next day's data is generated in a worker process while a day
    is validated (the same files: ``vmsdq.demo.ahead``). ``then`` is the data left in the
    project at the end (not validated here), generated during the last day's run.
    """
    planned = plan(days, volunteers=volunteers, seed=seed, end=end)
    data = [DemoDay(p.volunteers, seed + i, p.defect_scale, p.day) for i, p in enumerate(planned)]
    if then is not None:
        data.append(then)
    if ahead is None:
        ahead = volunteers >= AHEAD_MIN_VOLUNTEERS
    run_ids: list[str] = []
    project: Project | None = None
    for i in days_in_place(project_dir, data, ahead=ahead):
        if i == len(planned):
            break  # ``then`` is in place: the caller's
        if project is None:  # the pack is installed with the first day's data
            project = _one_engine_thread(load(project_dir)) if ahead else load(project_dir)
        run_ids.append(run_now(open_context(project), now=planned[i].day).run_id)
        if progress is not None:
            progress(i, planned[i])
    return run_ids


def _one_engine_thread(project: Project) -> Project:
    """The project with one DuckDB thread unless it sets ``engine.threads``: the other core
    generates the next day (a day's DuckDB work is small; at 5,000 volunteers two threads
    cost 2.8 s CPU a run, one 2.0 s)."""
    engine = project.spec.engine
    if engine.threads is not None:
        return project
    spec = project.spec.model_copy(update={"engine": engine.model_copy(update={"threads": 1})})
    return project.model_copy(update={"spec": spec})
