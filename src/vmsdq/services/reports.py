"""Quality reports of a period (daily, weekly, monthly) per tenant: the score trend, the
entities, the rules costing the most points and the incidents. ``report_render`` and
``report_pdf`` render them; ``report_send`` renders and emails them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal

from vmsdq.core.errors import ConfigError
from vmsdq.core.history import HistoryPoint
from vmsdq.scoring.explain import RuleGain
from vmsdq.services.context import Context
from vmsdq.services.scores import explain_run, run_scores
from vmsdq.services.settings import in_force
from vmsdq.store.repos.alerts import Incident

Period = Literal["daily", "weekly", "monthly"]
DAYS: dict[str, int] = {"daily": 1, "weekly": 7, "monthly": 30}
CRON: dict[str, str] = {"daily": "0 7 * * *", "weekly": "0 7 * * 1", "monthly": "0 7 1 * *"}


@dataclass(frozen=True)
class EntityLine:
    entity: str
    score: float | None
    change: float | None  # since the first run of the period
    band: str | None


@dataclass(frozen=True)
class RuleCost:
    rule: str
    entity: str
    score: float
    points: float  # overall points the rule costs (gained if it passed everywhere)
    failed: int
    evaluated: int


@dataclass
class Report:
    tenant: str
    project: str
    period: str
    start: datetime
    end: datetime
    dashboard_url: str
    target: float
    trend: list[HistoryPoint] = field(default_factory=list)  # overall score per run
    latest_run: str | None = None
    score: float | None = None
    band: str | None = None
    entities: list[EntityLine] = field(default_factory=list)
    top_rules: list[RuleCost] = field(default_factory=list)
    incidents: list[Incident] = field(default_factory=list)

    @property
    def title(self) -> str:
        return f"{self.period.capitalize()} quality report: {self.project} ({self.tenant})"

    @property
    def change(self) -> float | None:
        scored = [p.score for p in self.trend if p.score is not None]
        return scored[-1] - scored[0] if len(scored) >= 2 else None


def build_report(
    ctx: Context, period: str, *, end: datetime | None = None, top: int = 10
) -> Report:
    """The report of the ``period`` ending at ``end`` (default now)."""
    ctx.require("read")
    if period not in DAYS:
        raise ConfigError(f"period '{period}' is not one of: {', '.join(DAYS)}")
    until = end or ctx.clock()
    since = until - timedelta(days=DAYS[period])
    report = Report(
        tenant=ctx.tenant,
        project=ctx.project.spec.name,
        period=period,
        start=since,
        end=until,
        dashboard_url=ctx.project.spec.alerts.dashboard_url.rstrip("/"),
        target=in_force(ctx).settings.scoring.target,
    )
    history = ctx.repos.history
    report.trend = [p for p in history.overall(since) if p.at <= until]
    if not report.trend:
        return report
    latest = report.trend[-1].run_id
    report.latest_run, report.score = latest, report.trend[-1].score
    scores = run_scores(ctx, latest)
    report.band = scores.overall_band
    first = {n: pts[0].score for n, pts in history.entities(since=since).items() if pts}
    for name, e in scores.entities.items():
        start = first.get(name)
        change = e.score - start if e.score is not None and start is not None else None
        report.entities.append(EntityLine(name, e.score, change, e.band))
    report.top_rules = _costs(ctx, latest, top)
    report.incidents = [
        i for i in ctx.repos.alerts.incidents(limit=1000) if i.last_seen_at >= since
    ]
    return report


def _costs(ctx: Context, run_id: str, top: int) -> list[RuleCost]:
    gains: list[RuleGain] = explain_run(ctx, run_id, top=top).gains
    run = ctx.repos.runs.get(run_id)
    counts = {r.rule: r for r in run.rules} if run is not None else {}
    out = []
    for g in gains:
        r = counts.get(g.rule)
        failed, evaluated = (r.failed, r.evaluated) if r is not None else (0, 0)
        out.append(RuleCost(g.rule, g.entity, g.score, g.overall_gain, failed, evaluated))
    return out
