"""Alert channels: email over SMTP with STARTTLS to a local server, Slack- and Teams-shaped
webhooks, and what a message says (what, how bad, since when, the dashboard link)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from vmsdq.services.deliveries import list_deliveries

from .conftest import Clock, MakeCtx, day_run, store
from .receiver import receiver
from .smtp import Mailbox, smtp_server

LOW = {"name": "volunteer-low", "kind": "score_below", "threshold": 80,
       "scope": {"entity": "volunteer"}, "severity": "critical"}  # fmt: skip


@pytest.fixture
def mailbox(tmp_path: Path) -> Iterator[Mailbox]:
    with smtp_server(tmp_path) as box:
        yield box


def _email(box: Mailbox, **smtp: Any) -> dict[str, Any]:
    return {
        "type": "email",
        "to": ["steward@example.org"],
        "from": "vmsdq@example.org",
        "smtp": {
            "host": "127.0.0.1",
            "port": box.port,
            "tls": "starttls",
            "ca_file": box.ca_file,
            **smtp,
        },  # fmt: skip
    }


def test_an_alert_email_reaches_the_smtp_server_over_starttls(
    make_ctx: MakeCtx, clock: Clock, mailbox: Mailbox
) -> None:
    ctx = make_ctx({"channels": {"mail": _email(mailbox)}, "rules": [LOW]})
    store(ctx, clock, day_run(0, email_failed=70))
    store(ctx, clock, day_run(1))
    assert [m["Subject"] for m in mailbox.messages] == [
        "[CRITICAL] volunteer-low: score of volunteer is 68.2, under 80",
        "[RESOLVED] volunteer-low: volunteer is back to normal",
    ]
    assert mailbox.envelopes[0] == ("vmsdq@example.org", ["steward@example.org"], True)
    text = mailbox.messages[0].get_body(("plain",)).get_content()
    assert "Severity: critical" in text
    assert "Since: 2026-11-02 06:00 UTC" in text
    assert "Dashboard: https://dq.example.org/entities/volunteer" in text
    html = mailbox.messages[1].get_body(("html",)).get_content()
    assert "lasted 1440 min" in html or "lasted 24.0 h" in html
    log = list_deliveries(ctx).items
    assert {(d.status, d.last_status) for d in log} == {("delivered", 250)}


def test_an_untrusted_smtp_certificate_is_an_error_in_the_delivery_log(
    make_ctx: MakeCtx, clock: Clock, mailbox: Mailbox
) -> None:
    ctx = make_ctx({"channels": {"mail": _email(mailbox, ca_file=None)}, "rules": [LOW]})
    store(ctx, clock, day_run(0, email_failed=70))
    assert mailbox.messages == []
    [delivery] = list_deliveries(ctx).items
    assert delivery.status == "pending" and delivery.attempts == 1
    assert "CERTIFICATE_VERIFY_FAILED" in delivery.last_error


def test_slack_and_teams_webhooks_get_their_own_message_shapes(
    make_ctx: MakeCtx, clock: Clock
) -> None:
    with receiver() as slack, receiver() as teams:
        channels = {
            "slack": {"type": "slack", "url": f"{slack.url}/services/T0/B0/secret"},
            "teams": {"type": "teams", "url": f"{teams.url}/workflows/x"},
        }
        ctx = make_ctx({"channels": channels, "rules": [LOW]})
        store(ctx, clock, day_run(0, email_failed=70))
    [got] = slack.received
    body = got.json
    assert body["text"].startswith("[CRITICAL] volunteer-low")
    assert body["blocks"][0]["type"] == "header"
    fields = {f["text"].split("\n")[0] for f in body["blocks"][2]["fields"]}
    assert fields == {"*Severity*", "*Since*", "*Alert rule*"}
    assert body["blocks"][3]["elements"][0]["url"] == "https://dq.example.org/entities/volunteer"
    [card] = teams.received[0].json["attachments"]
    assert card["contentType"] == "application/vnd.microsoft.card.adaptive"
    facts = {f["title"]: f["value"] for f in card["content"]["body"][2]["facts"]}
    assert facts["Severity"] == "critical" and facts["Since"] == "2026-11-02 06:00 UTC"
    assert card["content"]["actions"][0]["url"].endswith("/entities/volunteer")


def test_a_rule_sends_only_to_its_channels(make_ctx: MakeCtx, clock: Clock) -> None:
    with receiver() as a, receiver() as b:
        channels = {
            "a": {"type": "webhook", "url": a.url},
            "b": {"type": "webhook", "url": b.url},
        }
        ctx = make_ctx({"channels": channels, "rules": [LOW | {"channels": ["b"]}]})
        store(ctx, clock, day_run(0, email_failed=70))
        assert (len(a.received), len(b.received)) == (0, 1)


def test_an_alert_email_over_implicit_tls(make_ctx: MakeCtx, clock: Clock, tmp_path: Path) -> None:
    with smtp_server(tmp_path, implicit_tls=True) as box:
        ctx = make_ctx({"channels": {"mail": _email(box, tls="ssl")}, "rules": [LOW]})
        store(ctx, clock, day_run(0, email_failed=70))
    assert [m["To"] for m in box.messages] == ["steward@example.org"]
    assert box.envelopes[0][2] is True  # the session was encrypted
