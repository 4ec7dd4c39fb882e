"""Alert evaluation after each run, incidents with de-duplication and cool-down, and the
events a finished run sends to webhook subscriptions.

An incident is one alert rule's condition holding for one subject (the overall score, an
entity, a rule...). It is announced once when it opens (``alert.fired``) and once when it
clears (``alert.resolved``); runs in between that still see it only update it. A subject
that clears and comes back within the rule's cool-down reopens the same incident quietly,
announced again only if it still holds once the cool-down is over.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from vmsdq.core.results import RunResult
from vmsdq.core.words import RunStatus
from vmsdq.services import deliveries
from vmsdq.services.alert_checks import Finding, Observed, findings
from vmsdq.services.alert_messages import compose
from vmsdq.services.alert_rules import rules_in_force
from vmsdq.services.context import Context
from vmsdq.services.settings import in_force
from vmsdq.services.webhooks import envelope
from vmsdq.spec.alerts import AlertKind, AlertRuleSpec, seconds
from vmsdq.store.repos.alerts import Incident
from vmsdq.store.repos.webhooks import Delivery

log = logging.getLogger(__name__)
OPEN, RESOLVED = "open", "resolved"
FIRED = "fired"
SCORE_STEP = 0.01  # score.changed: a change smaller than this is rounding, not news


@dataclass(frozen=True)
class Notice:
    event: str  # alert.fired | alert.resolved
    rule: AlertRuleSpec
    incident: Incident


def after_run(ctx: Context, run: RunResult) -> None:
    """The hook at the end of a run (completed or failed): evaluate the alert rules, send
    the run's events. Never raises: a run's result does not depend on its notifications."""
    if ctx.scratch:
        return
    try:
        queued = _run_events(ctx, run)
        notices = evaluate_run(ctx, run)
        queued += notify(ctx, notices)
        deliveries.dispatch(ctx, queued)
        if deliveries.dispatcher_for(ctx) is None:
            deliveries.deliver_due(ctx)  # retries of earlier deliveries that are due
    except Exception:  # noqa: BLE001 (logged; the run itself is done)
        log.exception("alerts after run %s failed", run.run_id)


def evaluate_run(ctx: Context, run: RunResult, *, at: datetime | None = None) -> list[Notice]:
    """Evaluate every enabled alert rule against a finished run; open, update and resolve
    incidents; return what is to be announced."""
    when = at or run.finished_at or ctx.clock()
    fail_under = in_force(ctx).settings.scoring.fail_under
    anomalies = (
        ctx.repos.anomalies.list(run_id=run.run_id) if run.status == RunStatus.completed else []
    )
    seen = Observed(run, when, run.verdict(fail_under), anomalies)
    out: list[Notice] = []
    for rule in _enabled(ctx):
        current = ctx.repos.alerts.latest_per_subject(rule.name)
        seen.open_subjects = {s for s, i in current.items() if i.status == OPEN}
        try:
            found = findings(ctx, rule, seen)
        except Exception:  # noqa: BLE001 (one broken rule does not stop the others)
            log.exception("alert rule %s could not be evaluated", rule.name)
            continue
        out += _apply(ctx, rule, found, current, when, run.run_id)
    return out


def check_overdue(ctx: Context, *, at: datetime | None = None) -> list[Delivery]:
    """Evaluate the ``run_overdue`` rules now (the beat's sweep), notify, and return the
    deliveries queued (already dispatched)."""
    when = at or ctx.clock()
    dummy = RunResult(run_id="", tenant=ctx.tenant, started_at=when, status="completed")
    seen = Observed(dummy, when, dummy.verdict())
    notices: list[Notice] = []
    for rule in _enabled(ctx):
        if rule.kind is AlertKind.run_overdue:
            current = ctx.repos.alerts.latest_per_subject(rule.name)
            notices += _apply(ctx, rule, findings(ctx, rule, seen), current, when, None)
    queued = notify(ctx, notices)
    deliveries.dispatch(ctx, queued)
    return queued


def _enabled(ctx: Context) -> list[AlertRuleSpec]:
    return [
        r.spec
        for r in rules_in_force(ctx)
        if r.spec.enabled and r.spec.scope.tenant in (None, ctx.tenant)
    ]


def _apply(
    ctx: Context,
    rule: AlertRuleSpec,
    found: list[Finding],
    current: dict[str, Incident],
    at: datetime,
    run_id: str | None,
) -> list[Notice]:
    cooldown = timedelta(seconds=seconds(rule.cooldown or ctx.project.spec.alerts.cooldown))
    base = ctx.project.spec.alerts.dashboard_url.rstrip("/")
    out = []
    for f in found:
        incident = current.get(f.subject)
        if f.firing:
            incident = _fire(ctx, rule, f, incident, at, run_id, cooldown, base)
            if incident.notified != FIRED and (incident.quiet_until or at) <= at:
                incident.notified = FIRED
                out.append(Notice("alert.fired", rule, incident))
        elif incident is not None and incident.status == OPEN:
            incident.status, incident.resolved_at, incident.last_seen_at = RESOLVED, at, at
            incident.value, incident.run_id = f.value, run_id or incident.run_id
            if incident.notified == FIRED:
                incident.notified = RESOLVED
                incident.message = f.what
                out.append(Notice("alert.resolved", rule, incident))
        else:
            continue
        ctx.repos.alerts.update_incident(incident)
    return out


def _fire(
    ctx: Context,
    rule: AlertRuleSpec,
    f: Finding,
    incident: Incident | None,
    at: datetime,
    run_id: str | None,
    cooldown: timedelta,
    base: str,
) -> Incident:
    """The open incident of ``f``'s subject: the one already open, the one that cleared
    within the cool-down (reopened quietly), or a new one."""
    if incident is not None and incident.status == OPEN:
        incident.last_seen_at, incident.value, incident.message = at, f.value, f.what
        incident.run_id = run_id or incident.run_id
        return incident
    if incident is not None and incident.resolved_at and at - incident.resolved_at < cooldown:
        incident.quiet_until = incident.resolved_at + cooldown
        incident.status, incident.resolved_at, incident.last_seen_at = OPEN, None, at
        incident.value, incident.message, incident.run_id = f.value, f.what, run_id
        incident.notified = "" if incident.notified == RESOLVED else incident.notified
        return incident
    return ctx.repos.alerts.open_incident(
        {
            "rule": rule.name,
            "subject": f.subject,
            "kind": str(rule.kind),
            "severity": str(rule.severity),
            "status": OPEN,
            "opened_at": at,
            "last_seen_at": at,
            "resolved_at": None,
            "quiet_until": None,
            "notified": "",
            "run_id": run_id,
            "value": f.value,
            "message": f.what,
            "link": base + f.link,
        }
    )


def incident_view(i: Incident) -> dict[str, Any]:
    return {
        "id": i.id,
        "rule": i.rule,
        "subject": i.subject,
        "kind": i.kind,
        "severity": i.severity,
        "status": i.status,
        "since": i.opened_at.isoformat(),
        "last_seen_at": i.last_seen_at.isoformat(),
        "resolved_at": i.resolved_at.isoformat() if i.resolved_at else None,
        "run_id": i.run_id,
        "value": i.value,
        "message": i.message,
        "link": i.link,
    }


def notify(ctx: Context, notices: list[Notice]) -> list[Delivery]:
    """Queue each notice for its rule's channels (all channels when it names none) and the
    subscriptions of its event; returns the deliveries (not yet sent)."""
    queued: list[Delivery] = []
    channels = ctx.project.spec.alerts.channels
    for n in notices:
        i = n.incident
        message = compose(
            n.event,
            rule=i.rule,
            severity=i.severity,
            what=i.message,
            subject=i.subject,
            since=i.opened_at,
            link=i.link,
            run_id=i.run_id,
            resolved_at=i.resolved_at,
        )
        event = envelope(ctx, n.event, incident_view(i) | {"title": message.title}, ctx.clock())
        payload = {"event": event, "message": message.to_dict()}
        for name in n.rule.channels or list(channels):
            queued.append(deliveries.enqueue(ctx, "channel", name, n.event, payload))
        queued += _to_subscribers(ctx, n.event, event)
    return queued


def _to_subscribers(ctx: Context, event: str, body: dict[str, Any]) -> list[Delivery]:
    subs = [s for s in ctx.repos.webhooks.subscriptions() if s.active and event in s.events]
    return [deliveries.enqueue(ctx, "subscription", s.id, event, body) for s in subs]


def _run_events(ctx: Context, run: RunResult) -> list[Delivery]:
    """run.completed / run.failed, score.changed and anomaly.detected for this run."""
    if not any(s.active for s in ctx.repos.webhooks.subscriptions()):
        return []
    now = ctx.clock()
    fail_under = in_force(ctx).settings.scoring.fail_under
    base = ctx.project.spec.alerts.dashboard_url.rstrip("/")
    summary = {
        "run_id": run.run_id,
        "status": str(run.status),
        "verdict": str(run.verdict(fail_under)),
        "score": run.overall_score,
        "started_at": run.started_at.isoformat(),
        "finished_at": run.finished_at.isoformat() if run.finished_at else None,
        "message": run.message,
        "critical_failures": [r.rule for r in run.critical_failures],
        "link": f"{base}/runs",
    }
    failed = run.status == RunStatus.failed
    queued = _to_subscribers(
        ctx, "run.failed" if failed else "run.completed",
        envelope(ctx, "run.failed" if failed else "run.completed", summary, now),
    )  # fmt: skip
    if failed:
        return queued
    previous = _previous_score(ctx, run)
    score = run.overall_score
    if previous is not None and score is not None and abs(score - previous) >= SCORE_STEP:
        data = {
            "run_id": run.run_id,
            "score": round(score, 4),
            "previous": round(previous, 4),
            "change": round(score - previous, 4),
            "link": f"{base}/",
        }
        queued += _to_subscribers(ctx, "score.changed", envelope(ctx, "score.changed", data, now))
    found = ctx.repos.anomalies.list(run_id=run.run_id)
    if found:
        data = {
            "run_id": run.run_id,
            "anomalies": [
                {
                    "metric": a.metric,
                    "subject": a.subject,
                    "entity": a.entity,
                    "rule": a.rule,
                    "dimension": a.dimension,
                    "value": a.value,
                    "expected": a.expected,
                    "z": a.z,
                    "kind": a.kind,
                }  # fmt: skip
                for a in found
            ],
        }
        queued += _to_subscribers(
            ctx, "anomaly.detected", envelope(ctx, "anomaly.detected", data, now)
        )
    return queued


def _previous_score(ctx: Context, run: RunResult) -> float | None:
    points = [p for p in ctx.repos.history.overall() if p.run_id != run.run_id]
    earlier = [p for p in points if p.at <= run.started_at and p.score is not None]
    return earlier[-1].score if earlier else None


def list_incidents(
    ctx: Context, *, status: str | None = None, rule: str | None = None, limit: int = 200
) -> list[Incident]:
    ctx.require("read")
    return ctx.repos.alerts.incidents(rule=rule, status=status, limit=limit)
