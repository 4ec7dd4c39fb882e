"""Webhook subscriptions: signed, versioned events; retries with backoff until a receiver
answers; the delivery log; manual redelivery; disabling an endpoint that keeps failing; and
no delivery, nor redirect, to a host or address the admin has not allowed."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from vmsdq.client import SignatureError, verify_signature
from vmsdq.core.errors import ConfigError, VmsdqError
from vmsdq.services import deliveries, webhooks
from vmsdq.services.context import Context
from vmsdq.services.outbound import OutboundRefusedError

from .conftest import Clock, MakeCtx, day_run, store
from .receiver import Receiver, receiver

LOOPBACK = {"allowed_hosts": ["127.0.0.1"], "allowed_networks": ["127.0.0.1/32"]}


def _subscribe(ctx: Context, hook: Receiver, *events: str) -> webhooks.Subscription:
    return webhooks.subscribe(ctx, f"{hook.url}/in", list(events) or ["run.completed"])


def test_events_are_signed_and_the_signature_verifies_only_for_that_body_and_time(
    make_ctx: MakeCtx, clock: Clock, hook: Receiver
) -> None:
    ctx = make_ctx({})
    sub = _subscribe(ctx, hook, "run.completed", "score.changed")
    store(ctx, clock, day_run(0))
    store(ctx, clock, day_run(1, email_failed=30))
    types = [r.json["type"] for r in hook.received]
    assert types == ["run.completed", "run.completed", "score.changed"]
    got = hook.received[2]
    assert got.json["version"] == 1 and got.json["data"]["previous"] == 100.0
    assert got.headers["X-Vmsdq-Event"] == "score.changed"
    header = got.headers["X-Vmsdq-Signature"]
    signed_at = verify_signature(sub.secret, got.body, header)
    with pytest.raises(SignatureError, match="does not match"):
        verify_signature(sub.secret, got.body.replace(b"score.changed", b"run.completed"), header)
    with pytest.raises(SignatureError, match="does not match"):
        verify_signature("whsec_other", got.body, header)
    with pytest.raises(SignatureError, match="replayed"):
        verify_signature(sub.secret, got.body, header, now=signed_at + 301)
    with pytest.raises(SignatureError, match="missing"):
        verify_signature(sub.secret, got.body, None)


def test_a_receiver_that_fails_twice_gets_the_third_delivery(
    make_ctx: MakeCtx, clock: Clock
) -> None:
    with receiver(fail_first=2) as hook:
        ctx = make_ctx({})
        sub = _subscribe(ctx, hook)
        store(ctx, clock, day_run(0))
        [first] = deliveries.list_deliveries(ctx).items
        assert (first.status, first.attempts, first.last_status) == ("pending", 1, 500)
        assert first.next_attempt_at == clock.now + timedelta(seconds=30)
        assert deliveries.deliver_due(ctx) == []  # not due yet
        clock.now = first.next_attempt_at or clock.now
        [second] = deliveries.deliver_due(ctx)
        assert second.next_attempt_at == clock.now + timedelta(seconds=60)  # doubled
        clock.now = second.next_attempt_at or clock.now
        [third] = deliveries.deliver_due(ctx)
    assert (third.status, third.attempts, third.last_status) == ("delivered", 3, 200)
    assert [json.loads(r.body)["id"] for r in hook.received][1:] == [
        hook.received[0].json["id"]
    ] * 2
    for r in hook.received:  # each attempt signed afresh
        verify_signature(sub.secret, r.body, r.headers["X-Vmsdq-Signature"])
    _, log = deliveries.get_delivery(ctx, third.id)
    assert [a.status_code for a in log] == [500, 500, 200]
    assert "HTTP 500" in log[0].error and log[2].error == ""


def test_retries_go_on_for_more_than_a_day_then_the_endpoint_is_disabled(
    make_ctx: MakeCtx, clock: Clock
) -> None:
    with receiver(fail_first=10_000) as hook:
        ctx = make_ctx({}, LOOPBACK | {"disable_after": "2d"})
        sub = _subscribe(ctx, hook)
        store(ctx, clock, day_run(0))
        [delivery] = deliveries.list_deliveries(ctx).items
        start = delivery.created_at
        while delivery.status == "pending":
            assert delivery.next_attempt_at is not None
            clock.now = delivery.next_attempt_at
            [delivery] = deliveries.deliver_due(ctx)
        assert delivery.status == "failed" and "gave up after" in delivery.last_error
        assert clock.now - start >= timedelta(hours=24)
        assert 20 <= delivery.attempts <= 40  # exponential, capped at an hour
        assert webhooks.get_subscription(ctx, sub.id).active  # failing 26 h: not yet 2 days
        store(ctx, clock, day_run(2))  # the next run's delivery fails too, on day 2
        found = webhooks.get_subscription(ctx, sub.id)
    assert not found.active and "every delivery failed for 2.0 days" in found.disabled_reason
    newest = deliveries.list_deliveries(ctx).items[0]
    assert newest.status == "failed" and newest.last_error.startswith("endpoint disabled")
    assert [a.status_code for a in deliveries.get_delivery(ctx, newest.id)[1]] == [500]
    again = webhooks.update_subscription(ctx, sub.id, active=True)
    assert again.active and again.disabled_reason == ""


def test_manual_redelivery_sends_a_delivered_event_again(
    make_ctx: MakeCtx, clock: Clock, hook: Receiver
) -> None:
    ctx = make_ctx({})
    _subscribe(ctx, hook)
    store(ctx, clock, day_run(0))
    [delivery] = deliveries.list_deliveries(ctx).items
    again = deliveries.redeliver(ctx, delivery.id)
    assert (again.status, again.attempts) == ("delivered", 2)
    assert [r.json["id"] for r in hook.received] == [hook.received[0].json["id"]] * 2


def test_a_redirect_to_a_host_not_allowed_is_refused_and_never_reached(
    make_ctx: MakeCtx, clock: Clock
) -> None:
    with receiver() as inside, receiver() as allowed_target:
        port = inside.url.rsplit(":", 1)[1]
        with receiver(redirect_to=f"http://localhost:{port}/steal") as bouncer:
            ctx = make_ctx({})
            _subscribe(ctx, bouncer)
            store(ctx, clock, day_run(0))
            [refused] = deliveries.list_deliveries(ctx).items
            bouncer.redirect_to = f"{allowed_target.url}/moved"
            store(ctx, clock, day_run(1))
    assert inside.received == []  # the not-allowed host never saw a request
    assert refused.status == "failed" and refused.attempts == 1
    assert "refused: host 'localhost' is not in webhooks.allowed_hosts" in refused.last_error
    assert [r.path for r in allowed_target.received] == ["/moved"]


@pytest.mark.parametrize(
    ("url", "webhooks_spec", "message"),
    [
        ("http://127.0.0.1:9/x", {"allowed_hosts": ["127.0.0.1"]}, "loopback"),
        ("http://10.1.2.3/x", {"allowed_hosts": ["10.1.2.3"]}, "private"),
        ("http://169.254.169.254/latest", {"allowed_hosts": ["169.254.169.254"]}, "private"),
        ("http://[::1]:8080/x", {"allowed_hosts": ["::1"]}, "loopback"),
        ("http://hooks.example.org/x", {"allowed_hosts": ["*.example.com"]}, "allowed_hosts"),
        ("file:///etc/passwd", LOOPBACK, "only http and https"),
        ("http://user:pw@127.0.0.1/x", LOOPBACK, "credentials"),
    ],
)
def test_subscribing_to_an_address_not_allowed_is_refused(
    make_ctx: MakeCtx, url: str, webhooks_spec: dict[str, list[str]], message: str
) -> None:
    ctx = make_ctx({}, webhooks_spec)
    with pytest.raises(OutboundRefusedError, match=message):
        webhooks.subscribe(ctx, url, ["run.completed"])
    assert ctx.repos.webhooks.subscriptions() == []


def test_unknown_events_are_named(make_ctx: MakeCtx, hook: Receiver) -> None:
    ctx = make_ctx({})
    with pytest.raises(ConfigError, match=r"unknown \['run.done'\]; known: run.completed"):
        webhooks.subscribe(ctx, hook.url, ["run.done"])
    assert issubclass(OutboundRefusedError, VmsdqError)
