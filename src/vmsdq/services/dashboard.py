"""What the dashboard pages show, each gathered by one call: the overview, an entity, a rule.

Scores of a completed run never change under the settings version it was scored with, nor
a rule's declaration and SQL while the project is loaded, so they (and the rules that cost
most) are computed once per process and reused (``_remember``); lists read stored summaries.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TypeVar

from vmsdq.core.errors import NotFoundError
from vmsdq.core.history import Anomaly, HistoryPoint
from vmsdq.core.results import RuleResult
from vmsdq.core.scores import RuleScore, RunScores
from vmsdq.core.words import RunStatus
from vmsdq.scoring.explain import RuleGain, explain
from vmsdq.services.anomalies import list_anomalies
from vmsdq.services.catalog import RuleInfo, get_entity, get_rule
from vmsdq.services.context import Context
from vmsdq.services.history import Series, history
from vmsdq.services.lookup import summary
from vmsdq.services.reconciliation import Reconciliation, reconciliation
from vmsdq.services.runs import list_runs
from vmsdq.services.scores import run_scores
from vmsdq.services.settings import in_force
from vmsdq.store.records import RunSummary

T = TypeVar("T")
TREND_DAYS = 90
CACHE_SIZE = 256


@dataclass(frozen=True)
class Overview:
    latest: RunSummary | None
    scores: RunScores | None
    target: float
    trend: list[HistoryPoint]
    runs: list[RunSummary]
    anomalies: list[Anomaly]
    gains: list[RuleGain]
    active: list[RunSummary] = field(default_factory=list)  # queued or running


@dataclass(frozen=True)
class RuleRow:
    """One rule of an entity page: its declaration, its result and score in the run."""

    info: RuleInfo
    result: RuleResult | None
    score: RuleScore | None


@dataclass(frozen=True)
class EntityOverview:
    entity: str
    description: str
    mirror: str | None
    latest: RunSummary | None
    scores: RunScores | None
    target: float
    rules: list[RuleRow]
    series: list[Series]
    reconciliation: Reconciliation | None


@dataclass(frozen=True)
class RuleOverview:
    info: RuleInfo
    latest: RunSummary | None
    result: RuleResult | None
    score: RuleScore | None
    series: list[Series]


def overview(ctx: Context, *, runs: int = 10, top: int = 8) -> Overview:
    """The newest completed run's scores, the overall trend, recent runs and anomalies."""
    ctx.require("read")
    target = in_force(ctx).settings.scoring.target
    latest = _latest(ctx)
    recent = list_runs(ctx, limit=runs).items
    active = [r for r in recent if not RunStatus(r.status).finished]
    if latest is None:
        return Overview(None, None, target, [], recent, [], [], active)
    scores = _scores(ctx, latest)
    gains: list[RuleGain] = []
    if scores is not None:
        key = (*_run_key(ctx, latest), "gains", top)
        gains = _remember(ctx, key, lambda: explain(scores, top=top).gains)
    since = latest.started_at - timedelta(days=TREND_DAYS)
    trend = history(ctx, since=since)[0].points
    found = list_anomalies(ctx, run_id=latest.run_id, limit=50)
    return Overview(latest, scores, target, trend, recent, found, gains, active)


def entity_overview(ctx: Context, entity: str) -> EntityOverview:
    """An entity's scores per dimension, its rules with results, trends, reconciliation."""
    ctx.require("read")
    info = _remember(ctx, ("entity", entity), lambda: get_entity(ctx, entity))
    target = in_force(ctx).settings.scoring.target
    latest = _latest(ctx)
    scores = _scores(ctx, latest) if latest is not None else None
    results = _results(ctx, latest, entity)
    rules = [
        RuleRow(r, results.get(r.name), scores.rule(r.name) if scores else None) for r in info.rules
    ]
    series: list[Series] = []
    rec = None
    if latest is not None:
        since = latest.started_at - timedelta(days=TREND_DAYS)
        try:
            series = history(ctx, entity=entity, since=since)
        except NotFoundError:
            series = []
        if info.mirror is not None:
            try:
                rec = reconciliation(ctx, latest.run_id, entity)
            except NotFoundError:
                rec = None
    return EntityOverview(
        entity, info.description, info.mirror, latest, scores, target, rules, series, rec
    )


def rule_overview(ctx: Context, rule: str) -> RuleOverview:
    """A rule's declaration and compiled SQL, its result in the newest run and its history."""
    ctx.require("read")
    info = _remember(ctx, ("rule", rule), lambda: get_rule(ctx, rule))
    latest = _latest(ctx)
    result = _results(ctx, latest, info.entity).get(rule)
    scores = _scores(ctx, latest) if latest is not None else None
    try:
        series = history(ctx, rule=rule, limit=TREND_DAYS)
    except NotFoundError:
        series = []
    return RuleOverview(info, latest, result, scores.rule(rule) if scores else None, series)


def scores_as_run(ctx: Context, run_id: str) -> RunScores:
    """A run's scores as run (``run_id`` may be 'latest'): those of a completed, scored run
    are computed once per process (``_scores``)."""
    found = summary(ctx, run_id)
    kept = _scores(ctx, found)
    return kept if kept is not None else run_scores(ctx, found.run_id)


def _latest(ctx: Context) -> RunSummary | None:
    page = list_runs(ctx, status=str(RunStatus.completed), limit=1)
    return page.items[0] if page.items else None


def _results(ctx: Context, run: RunSummary | None, entity: str) -> dict[str, RuleResult]:
    if run is None:
        return {}
    page = ctx.repos.results.rules(run.run_id, entity=entity, limit=1000)
    return {r.rule: r for r in page.items}


_CACHE: OrderedDict[tuple[object, ...], tuple[object, object]] = OrderedDict()
_LOCK = threading.Lock()


def _remember(ctx: Context, key: tuple[object, ...], compute: Callable[[], T]) -> T:
    """``compute()``, kept per process for the loaded project (a new project, after an entity
    file was saved, computes again). For what depends only on the project and on a finished
    run: its declaration, compiled SQL, scores and the rules that cost most."""
    full = (ctx.tenant, ctx.project.spec.name, *key)
    with _LOCK:
        found = _CACHE.get(full)
        if found is not None and found[0] is ctx.project:
            _CACHE.move_to_end(full)
            value: T = found[1]  # type: ignore[assignment]
            return value
    value = compute()
    with _LOCK:
        _CACHE[full] = (ctx.project, value)  # keeps the project alive: ``is`` stays exact
        while len(_CACHE) > CACHE_SIZE:
            _CACHE.popitem(last=False)
    return value


def _run_key(ctx: Context, run: RunSummary) -> tuple[object, ...]:
    return (str(ctx.db.url), run.run_id, run.config_version)


def _scores(ctx: Context, run: RunSummary) -> RunScores | None:
    """The run's scores as run (None when it was not scored), computed once per process."""
    if run.config_version is None or run.status != RunStatus.completed:
        return None
    return _remember(ctx, (*_run_key(ctx, run), "scores"), lambda: run_scores(ctx, run.run_id))
