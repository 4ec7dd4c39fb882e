"""Alert rules, incidents, channels, webhook subscriptions and the delivery log through the
REST API (responses checked against their OpenAPI models), on the demo project with a
receiver on 127.0.0.1 the project's webhooks: section allows."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from vmsdq.client import verify_signature
from vmsdq.web import create_app
from vmsdq.web.testing import session_client

sys.path.insert(0, str(Path(__file__).parents[1] / "alerts"))
from receiver import Receiver, receiver  # noqa: E402

SETTINGS = """
alerts:
  dashboard_url: https://dq.example.org
  channels:
    hook: {type: webhook, url_env: VMSDQ_TEST_ALERT_HOOK}
webhooks:
  allowed_hosts: [127.0.0.1]
  allowed_networks: [127.0.0.1/32]
"""


@pytest.fixture
def hook(monkeypatch: pytest.MonkeyPatch) -> Iterator[Receiver]:
    with receiver() as found:
        monkeypatch.setenv("VMSDQ_TEST_ALERT_HOOK", f"{found.url}/channel")
        yield found


@pytest.fixture
def alert_app(project: Path, hook: Receiver) -> Iterator[Flask]:
    with (project / "vmsdq.yaml").open("a") as handle:
        handle.write(SETTINGS)
    app = create_app(
        {"VMSDQ_PROJECT": str(project), "TESTING": True, "VMSDQ_CHECK_RESPONSES": True}
    )
    yield app
    app.extensions["vmsdq"].executor.shutdown()


@pytest.fixture
def api(alert_app: Flask) -> FlaskClient:
    client: FlaskClient = session_client(alert_app)
    return client


def test_alert_rules_are_set_listed_and_deleted(api: FlaskClient) -> None:
    rule = {"kind": "score_below", "threshold": 99.5, "severity": "error", "channels": ["hook"]}
    put = api.put("/api/v1/alerts/rules/overall-low", json=rule)
    assert put.status_code == 200, put.get_json()
    assert put.get_json()["origin"] == "api" and put.get_json()["threshold"] == 99.5
    names = [r["name"] for r in api.get("/api/v1/alerts/rules").get_json()["items"]]
    assert names == ["overall-low"]
    bad = api.put("/api/v1/alerts/rules/x", json={"kind": "score_below"})
    assert bad.status_code == 400
    assert (
        bad.get_json()["message"]
        == "alert rule 'x': an alert of kind 'score_below' needs 'threshold'"
    )
    unknown = api.put("/api/v1/alerts/rules/y", json=rule | {"channels": ["pager"]})
    assert (
        "unknown channels ['pager']; alerts.channels declares: ['hook']"
        in unknown.get_json()["message"]
    )
    assert api.delete("/api/v1/alerts/rules/overall-low").get_json() == {"deleted": "overall-low"}
    assert api.get("/api/v1/alerts/rules/overall-low").status_code == 404


def test_channels_are_listed_without_their_urls(api: FlaskClient) -> None:
    body = api.get("/api/v1/alerts/channels").get_json()
    assert body == {
        "items": [{"name": "hook", "type": "webhook", "target": "$VMSDQ_TEST_ALERT_HOOK"}]
    }


def test_a_run_fires_an_alert_and_a_webhook_event_listed_in_the_delivery_log(
    alert_app: Flask, api: FlaskClient, hook: Receiver
) -> None:
    api.put("/api/v1/alerts/rules/overall-low", json={"kind": "score_below", "threshold": 99.9})
    created = api.post(
        "/api/v1/webhooks", json={"url": f"{hook.url}/events", "events": ["run.completed"]}
    )
    assert created.status_code == 201
    sub = created.get_json()
    secret = sub["secret"]
    assert api.get(f"/api/v1/webhooks/{sub['id']}").get_json()["secret_hint"].endswith(secret[-4:])
    assert "secret" not in api.get(f"/api/v1/webhooks/{sub['id']}").get_json()
    run_id = api.post("/api/v1/runs", json={"entities": ["district", "school"]}).get_json()[
        "run_id"
    ]
    alert_app.extensions["vmsdq"].executor.wait(run_id, timeout=120)
    paths = sorted(r.path for r in hook.received)
    assert paths == ["/channel", "/events"]
    event = next(r for r in hook.received if r.path == "/events")
    verify_signature(secret, event.body, event.headers["X-Vmsdq-Signature"])
    assert event.json["data"]["run_id"] == run_id
    [incident] = api.get("/api/v1/alerts/incidents?status=open").get_json()["items"]
    assert incident["rule"] == "overall-low" and incident["link"] == "https://dq.example.org/"
    log = api.get("/api/v1/webhooks/deliveries").get_json()["items"]
    assert sorted(d["event"] for d in log) == ["alert.fired", "run.completed"]
    detail = api.get(f"/api/v1/webhooks/deliveries/{log[0]['id']}").get_json()
    assert [a["status_code"] for a in detail["log"]] == [200]
    again = api.post(f"/api/v1/webhooks/deliveries/{log[0]['id']}/redeliver").get_json()
    assert again["attempts"] == 2 and len(hook.received) == 3


def test_subscribing_a_url_not_allowed_is_a_problem(api: FlaskClient) -> None:
    response = api.post(
        "/api/v1/webhooks", json={"url": "http://10.0.0.5/x", "events": ["alert.fired"]}
    )
    assert response.status_code == 400
    assert "host '10.0.0.5' is not in webhooks.allowed_hosts" in response.get_json()["message"]
    bad = api.post("/api/v1/webhooks", json={"url": "http://127.0.0.1/", "events": ["nope"]})
    assert bad.status_code == 400 and bad.get_json()["field"] == "events.0"
    assert api.patch("/api/v1/webhooks/wh_missing", json={"active": True}).status_code == 404
