"""Each kind of alert rule fires once, de-duplicates while the incident lasts, resolves when
it clears, and reaches a real webhook endpoint with what, how bad, since when and a link."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from vmsdq.core.history import Anomaly
from vmsdq.services import alerts
from vmsdq.services.alerts import check_overdue, evaluate_run, notify
from vmsdq.services.deliveries import dispatch

from .conftest import Clock, MakeCtx, day_run, store
from .receiver import Receiver


def _alerts(hook: Receiver, *rules: dict[str, Any]) -> dict[str, Any]:
    return {
        "channels": {"hook": {"type": "webhook", "url": f"{hook.url}/alerts"}},
        "rules": list(rules),
        "cooldown": "1h",
    }


def _events(hook: Receiver) -> list[tuple[str, str]]:
    return [(r.json["type"], r.json["data"]["subject"]) for r in hook.received]


def test_score_below_fires_once_de_duplicates_and_resolves(
    make_ctx: MakeCtx, clock: Clock, hook: Receiver
) -> None:
    rule = {"name": "volunteer-low", "kind": "score_below", "threshold": 80,
            "scope": {"entity": "volunteer"}, "severity": "error"}  # fmt: skip
    ctx = make_ctx(_alerts(hook, rule))
    store(ctx, clock, day_run(0, email_failed=60))
    store(ctx, clock, day_run(1, email_failed=55))  # still under: the same incident
    assert _events(hook) == [("alert.fired", "volunteer")]
    fired = hook.received[0].json
    assert fired["version"] == 1 and fired["data"]["severity"] == "error"
    assert fired["data"]["since"].startswith("2026-11-02T06:00")
    assert "under 80" in fired["data"]["message"]
    assert fired["data"]["link"] == "https://dq.example.org/entities/volunteer"
    store(ctx, clock, day_run(2, email_failed=0))
    assert _events(hook) == [("alert.fired", "volunteer"), ("alert.resolved", "volunteer")]
    resolved = hook.received[1].json["data"]
    assert resolved["status"] == "resolved" and resolved["title"].startswith("[RESOLVED]")
    assert [i.status for i in alerts.list_incidents(ctx)] == ["resolved"]


def test_overall_score_drop_against_the_previous_run_and_the_7_day_mean(
    make_ctx: MakeCtx, clock: Clock, hook: Receiver
) -> None:
    drop = {"name": "drop", "kind": "score_drop", "points": 10}
    weekly = {"name": "weekly-drop", "kind": "score_drop", "points": 10, "compare_to": "mean_7d"}
    ctx = make_ctx(_alerts(hook, drop, weekly))
    for day in range(3):
        store(ctx, clock, day_run(day))
    store(ctx, clock, day_run(3, email_failed=50))
    assert sorted(_events(hook)) == [("alert.fired", "overall"), ("alert.fired", "overall")]
    assert (
        "points below the previous run"
        in hook.received[0].json["data"]["message"] + hook.received[1].json["data"]["message"]
    )
    store(ctx, clock, day_run(4, email_failed=50))  # no drop from the previous; 7-day mean still
    rules = sorted((r.json["data"]["rule"], r.json["type"]) for r in hook.received)
    assert rules == [("drop", "alert.fired"), ("drop", "alert.resolved"),
                     ("weekly-drop", "alert.fired")]  # fmt: skip


def test_critical_rule_failing_and_run_failed_read_the_runs_verdict(
    make_ctx: MakeCtx, clock: Clock, hook: Receiver
) -> None:
    critical = {"name": "critical", "kind": "critical_failing", "severity": "critical"}
    failed = {"name": "failed-run", "kind": "run_failed", "verdicts": ["failed"]}
    ctx = make_ctx(_alerts(hook, critical, failed))
    first = store(ctx, clock, day_run(0, critical_failed=3))
    assert str(first.verdict()) == "failed"
    store(ctx, clock, day_run(1, critical_failed=2))
    assert sorted(_events(hook)) == [("alert.fired", "run"), ("alert.fired", "volunteer.id.unique")]
    message = next(r for r in hook.received if r.json["data"]["rule"] == "critical")
    assert "fails on 3 of 100 rows" in message.json["data"]["message"]
    assert message.json["data"]["link"] == "https://dq.example.org/rules/volunteer.id.unique"
    store(ctx, clock, day_run(2))
    assert sorted(_events(hook))[:2] == [
        ("alert.fired", "run"),
        ("alert.fired", "volunteer.id.unique"),
    ]
    assert sorted(_events(hook))[2:] == [
        ("alert.resolved", "run"),
        ("alert.resolved", "volunteer.id.unique"),
    ]


def test_reconciliation_gap_over_the_mirrors_tolerance_or_the_rules(
    make_ctx: MakeCtx, clock: Clock, hook: Receiver
) -> None:
    mirror = {"name": "gap", "kind": "reconciliation_gap"}
    strict = {"name": "gap-1pct", "kind": "reconciliation_gap", "tolerance": 0.01}
    ctx = make_ctx(_alerts(hook, mirror, strict))
    store(ctx, clock, day_run(0, count_gap=0.015))  # over 1 %, under the mirror's 2 %
    assert [(r.json["data"]["rule"], r.json["type"]) for r in hook.received] == [
        ("gap-1pct", "alert.fired")
    ]
    store(ctx, clock, day_run(1, count_gap=0.05))
    store(ctx, clock, day_run(2, count_gap=0.06))
    assert [(r.json["data"]["rule"], r.json["type"]) for r in hook.received][1:] == [
        ("gap", "alert.fired")
    ]
    assert "5.0 % gap, tolerance 2.0 %" in hook.received[1].json["data"]["message"]
    assert hook.received[1].json["data"]["link"].endswith("/reconciliation/volunteer")
    store(ctx, clock, day_run(3, count_gap=0.0))
    assert sorted(r.json["type"] for r in hook.received[2:]) == ["alert.resolved"] * 2


def test_new_anomaly_fires_per_subject_and_resolves_when_gone(
    make_ctx: MakeCtx, clock: Clock, hook: Receiver
) -> None:
    ctx = make_ctx(_alerts(hook, {"name": "anomalies", "kind": "new_anomaly"}))
    run = store(ctx, clock, day_run(0))
    spike = Anomaly(run.run_id, run.started_at, "score", "volunteer", None, None, 60.0, 95.0,
                    -4.2, "spike", 3.0)  # fmt: skip
    ctx.repos.anomalies.replace(run.run_id, [spike])
    dispatch(ctx, notify(ctx, evaluate_run(ctx, run)))
    dispatch(ctx, notify(ctx, evaluate_run(ctx, run)))  # the same anomaly again: no repeat
    assert _events(hook) == [("alert.fired", "score volunteer")]
    assert "60.00 where 95.00 was expected" in hook.received[0].json["data"]["message"]
    store(ctx, clock, day_run(1))
    assert _events(hook)[1:] == [("alert.resolved", "score volunteer")]


def test_run_overdue_fires_from_the_sweep_and_resolves_with_the_next_run(
    make_ctx: MakeCtx, clock: Clock, hook: Receiver
) -> None:
    ctx = make_ctx(_alerts(hook, {"name": "overdue", "kind": "run_overdue", "max_age": "26h"}))
    first = store(ctx, clock, day_run(0))
    assert check_overdue(ctx, at=first.started_at + timedelta(hours=20)) == []
    check_overdue(ctx, at=first.started_at + timedelta(hours=30))
    check_overdue(ctx, at=first.started_at + timedelta(hours=40))
    assert _events(hook) == [("alert.fired", "runs")]
    assert "no run completed for 30.0 h" in hook.received[0].json["data"]["message"]
    store(ctx, clock, day_run(2))
    assert _events(hook)[1:] == [("alert.resolved", "runs")]


def test_cool_down_keeps_a_flapping_incident_quiet_until_it_is_over(
    make_ctx: MakeCtx, clock: Clock, hook: Receiver
) -> None:
    rule = {"name": "low", "kind": "score_below", "threshold": 80, "cooldown": "2d"}
    ctx = make_ctx(_alerts(hook, rule))
    store(ctx, clock, day_run(0, email_failed=60))
    store(ctx, clock, day_run(1))  # resolved: announced
    store(ctx, clock, day_run(2, email_failed=60))  # back within 2 days: quiet
    assert _events(hook) == [("alert.fired", "overall"), ("alert.resolved", "overall")]
    store(ctx, clock, day_run(4, email_failed=60))  # still there after the cool-down
    assert _events(hook)[2:] == [("alert.fired", "overall")]
    assert len(alerts.list_incidents(ctx)) == 1  # one incident all along


def test_a_rule_scoped_to_another_tenant_or_disabled_never_fires(
    make_ctx: MakeCtx, clock: Clock, hook: Receiver
) -> None:
    other = {"name": "other", "kind": "score_below", "threshold": 99, "scope": {"tenant": "acme"}}
    off = {"name": "off", "kind": "score_below", "threshold": 99, "enabled": False}
    ctx = make_ctx(_alerts(hook, other, off))
    store(ctx, clock, day_run(0, email_failed=90))
    assert hook.received == []


def test_a_run_that_could_not_finish_fires_run_failed_and_sends_run_failed(
    make_ctx: MakeCtx, clock: Clock, hook: Receiver
) -> None:
    from vmsdq.services import runs, webhooks, work

    ctx = make_ctx(_alerts(hook, {"name": "failed-run", "kind": "run_failed"}))
    webhooks.subscribe(ctx, f"{hook.url}/events", ["run.failed", "run.completed"])
    run_id = runs.start_run(ctx, run_id="stuck", entities=["volunteer"])
    assert work.fail_run(ctx, run_id, "run exceeded its time limit of 7200 s")
    got = {(r.path, r.json["type"]) for r in hook.received}
    assert got == {("/alerts", "alert.fired"), ("/events", "run.failed")}
    fired = next(r.json["data"] for r in hook.received if r.path == "/alerts")
    assert (
        fired["message"] == ("run stuck is incomplete; run exceeded its time limit of 7200 s")
        and fired["link"] == "https://dq.example.org/runs"
    )
    store(ctx, clock, day_run(1))
    assert ("/alerts", "alert.resolved") in {(r.path, r.json["type"]) for r in hook.received}
