"""What each kind of alert rule sees in a finished run: one finding per subject it looked at.

Every input comes from the application layer: the run's verdict and rollups
(``core.results``), its scores as run, its anomalies, its reconciliation counts and the
score history. A finding that is not ``firing`` resolves the subject's open incident; a
subject the run did not evaluate gets no finding and its incident stays as it is.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import quote

from vmsdq.core.history import Anomaly, HistoryPoint
from vmsdq.core.results import RunResult, Verdict
from vmsdq.core.scores import RunScores
from vmsdq.core.words import RunStatus
from vmsdq.services.context import Context
from vmsdq.spec.alerts import AlertKind, AlertRuleSpec, seconds

OVERALL = "overall"


@dataclass(frozen=True)
class Finding:
    subject: str  # what the incident is about: overall, an entity, entity/dimension, a rule
    firing: bool
    value: float | None
    what: str  # what happened, in words (for the message)
    link: str  # dashboard path, e.g. /entities/volunteer


@dataclass
class Observed:
    """A finished run and what the application layer says about it."""

    run: RunResult
    at: datetime
    verdict: Verdict
    anomalies: list[Anomaly] = field(default_factory=list)
    open_subjects: set[str] = field(default_factory=set)  # of the rule being checked


Check = Callable[[Context, AlertRuleSpec, Observed], list[Finding]]


def findings(ctx: Context, rule: AlertRuleSpec, seen: Observed) -> list[Finding]:
    return CHECKS[rule.kind](ctx, rule, seen)


def _score_values(rule: AlertRuleSpec, scores: RunScores | None) -> dict[str, tuple[float, str]]:
    """The scores a rule's scope watches in ``scores``: subject -> (score, dashboard path)."""
    if scores is None:
        return {}
    scope = rule.scope
    out: dict[str, tuple[float, str]] = {}
    if scope.rule is not None:
        found = scores.rule(scope.rule)
        if found is not None and found.score is not None:
            out[scope.rule] = (found.score, _rule_link(scope.rule))
        return out
    if scope.entity is None and scope.dimension is None:
        if scores.overall is not None:
            out[OVERALL] = (scores.overall, "/")
        return out
    for name, entity in scores.entities.items():
        if scope.entity not in (None, name):
            continue
        link = f"/entities/{quote(name)}"
        if scope.dimension is None:
            if entity.score is not None:
                out[name] = (entity.score, link)
            continue
        dim = entity.dimensions.get(scope.dimension)
        if dim is not None and dim.score is not None:
            out[f"{name}/{scope.dimension}"] = (dim.score, link)
    return out


def _rule_link(rule: str) -> str:
    return f"/rules/{quote(rule)}"


def _label(subject: str) -> str:
    if subject == OVERALL:
        return "overall score"
    return f"score of {subject}"


def score_below(ctx: Context, rule: AlertRuleSpec, seen: Observed) -> list[Finding]:
    assert rule.threshold is not None
    return [
        Finding(
            subject,
            value < rule.threshold,
            value,
            f"{_label(subject)} is {value:.1f}, "
            + (
                f"under {rule.threshold:g}"
                if value < rule.threshold
                else f"at or over {rule.threshold:g}"
            ),
            link,
        )
        for subject, (value, link) in _score_values(rule, seen.run.scores).items()
    ]


def score_drop(ctx: Context, rule: AlertRuleSpec, seen: Observed) -> list[Finding]:
    assert rule.points is not None
    out = []
    for subject, (value, link) in _score_values(rule, seen.run.scores).items():
        earlier = [
            p
            for p in _series(ctx, rule, subject, seen.run.started_at - timedelta(days=8))
            if p.run_id != seen.run.run_id and p.at < seen.run.started_at and p.score is not None
        ]
        if rule.compare_to == "previous":
            base = earlier[-1].score if earlier else None
            against = "the previous run"
        else:
            week = [p.score for p in earlier if p.at >= seen.run.started_at - timedelta(days=7)]
            base = sum(s for s in week if s is not None) / len(week) if week else None
            against = "its 7-day mean"
        if base is None:
            continue
        drop = base - value
        what = f"{_label(subject)} is {value:.1f}, {drop:+.1f} points below {against} ({base:.1f})"
        out.append(Finding(subject, drop >= rule.points, value, what, link))
    return out


def _series(ctx: Context, rule: AlertRuleSpec, subject: str, since: datetime) -> list[HistoryPoint]:
    history = ctx.repos.history
    scope = rule.scope
    if scope.rule is not None:
        return history.rules(rule=scope.rule, since=since).get(scope.rule, [])
    if subject == OVERALL:
        return history.overall(since)
    entity, _, dimension = subject.partition("/")
    if dimension:
        return history.dimensions(entity, since).get((entity, dimension), [])
    return history.entities(entity, since).get(entity, [])


def new_anomaly(ctx: Context, rule: AlertRuleSpec, seen: Observed) -> list[Finding]:
    scope = rule.scope
    out: dict[str, Finding] = {}
    for a in seen.anomalies:
        if scope.entity not in (None, a.entity) or scope.rule not in (None, a.rule):
            continue
        if scope.dimension is not None and a.dimension != scope.dimension:
            continue
        subject = f"{a.metric} {a.subject}"
        link = (
            _rule_link(a.rule) if a.rule else (f"/entities/{quote(a.entity)}" if a.entity else "/")
        )
        what = (
            f"anomaly in {a.metric} of {a.subject}: {a.value:.2f} where {a.expected:.2f} was "
            f"expected (z {a.z:+.1f}, {a.kind})"
        )
        out[subject] = Finding(subject, True, a.value, what, link)
    for subject in seen.open_subjects - set(out):
        out[subject] = Finding(subject, False, None, f"no anomaly in {subject} any more", "/")
    return list(out.values())


def critical_failing(ctx: Context, rule: AlertRuleSpec, seen: Observed) -> list[Finding]:
    scope = rule.scope
    failing = {r.rule for r in seen.run.critical_failures}  # the run's own rollup
    out = []
    for r in seen.run.rules:
        if r.rule not in failing and (r.severity != "critical" or r.evaluated == 0):
            continue
        if scope.entity not in (None, r.entity) or scope.rule not in (None, r.rule):
            continue
        if scope.dimension is not None and r.dimension != scope.dimension:
            continue
        firing = r.rule in failing
        what = (
            f"critical rule {r.rule} fails on {r.failed} of {r.evaluated} rows"
            if firing
            else f"critical rule {r.rule} passes again"
        )
        out.append(Finding(r.rule, firing, float(r.failed), what, _rule_link(r.rule)))
    return out


def reconciliation_gap(ctx: Context, rule: AlertRuleSpec, seen: Observed) -> list[Finding]:
    from vmsdq.services.reconciliation import reconciliations  # only rules of this kind

    if seen.run.status != RunStatus.completed:
        return []
    out = []
    for rec in reconciliations(ctx, seen.run.run_id):
        if rule.scope.entity not in (None, rec.entity) or rec.count_difference is None:
            continue
        diff = rec.count_difference
        if rule.tolerance is not None:
            firing, bar = diff > rule.tolerance, rule.tolerance
        elif rec.count_ok is None:
            continue
        else:
            mirror = ctx.project.entities[rec.entity].mirror
            firing, bar = not rec.count_ok, (mirror.count_tolerance if mirror else None) or 0.0
        what = (
            f"{rec.entity}: {rec.ours} records here, {rec.theirs} in {rec.system} "
            f"({rec.object}): a {100 * diff:.1f} % gap, tolerance {100 * bar:.1f} %"
        )
        out.append(
            Finding(rec.entity, firing, 100 * diff, what, f"/reconciliation/{quote(rec.entity)}")
        )
    return out


def run_failed(ctx: Context, rule: AlertRuleSpec, seen: Observed) -> list[Finding]:
    run = seen.run
    firing = str(seen.verdict) in rule.verdicts
    reasons = []
    if run.status == RunStatus.failed or run.message:
        reasons.append(run.message or "the run failed")
    if run.critical_failures:
        reasons.append(f"{len(run.critical_failures)} critical rules failed")
    errors = [e.entity for e in run.entities if e.has_errors]
    if errors:
        reasons.append(f"could not evaluate {', '.join(errors[:5])}")
    score = run.overall_score
    detail = f"; {'; '.join(reasons)}" if reasons else ""
    scored = f" (score {score:.1f})" if score is not None else ""
    what = f"run {run.run_id} is {seen.verdict}{scored}{detail}"
    return [Finding("run", firing, score, what, "/runs")]


def run_overdue(ctx: Context, rule: AlertRuleSpec, seen: Observed) -> list[Finding]:
    assert rule.max_age is not None
    limit = timedelta(seconds=seconds(rule.max_age))
    latest = ctx.repos.runs.latest_id(status=RunStatus.completed)
    found = ctx.repos.runs.summary(latest) if latest is not None else None
    if found is None:
        return [Finding("runs", True, None, "no run has ever completed", "/runs")]
    done = found.finished_at or found.started_at
    age = seen.at - done
    hours = age.total_seconds() / 3600
    firing = age > limit
    what = (
        f"no run completed for {hours:.1f} h (the last, {found.run_id}, at {done:%Y-%m-%d %H:%M} "
        f"UTC); expected every {rule.max_age}"
        if firing
        else f"run {found.run_id} completed at {done:%Y-%m-%d %H:%M} UTC"
    )
    return [Finding("runs", firing, hours, what, "/runs")]


CHECKS: dict[AlertKind, Check] = {
    AlertKind.score_below: score_below,
    AlertKind.score_drop: score_drop,
    AlertKind.new_anomaly: new_anomaly,
    AlertKind.critical_failing: critical_failing,
    AlertKind.reconciliation_gap: reconciliation_gap,
    AlertKind.run_failed: run_failed,
    AlertKind.run_overdue: run_overdue,
}
