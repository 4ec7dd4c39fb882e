"""The authorization matrix, generated from the app's route table: every route × every role
(viewer, steward, admin, anonymous) × own and another tenant → the expected status.

A route with no entry in POLICY fails: whoever adds a route decides who may call it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from vmsdq.services import tokens
from vmsdq.services.catalog import entity_source
from vmsdq.services.context import ROLES, open_context
from vmsdq.web import create_app
from vmsdq.web.testing import RecordingExecutor

PUBLIC = "public"
POLICY: dict[str, str] = {  # endpoint -> the least role that may call it
    **dict.fromkeys(
        ["auth.login", "auth.logout", "auth.password", "static", "plotly_js", "swagger"], PUBLIC
    ),
    **dict.fromkeys(["openapi", "api_docs"], PUBLIC),
    **dict.fromkeys(["healthz", "readyz", "metrics_text"], PUBLIC),  # probes and scrapers
    **dict.fromkeys(
        [
            "ui.overview",
            "ui.entity",
            "ui.editor",
            "ui.reconciliations",
            "ui.rules",
            "ui.rule",
            "ui.runs_page",
            "ui.settings_page",
            "api.list_anomalies",
            "api.list_entities",
            "api.get_entity",
            "api.get_entity_source",
            "api.preview_entity",
            "api.get_history",
            "api.get_overview",
            "api.list_rules",
            "api.get_rule",
            "api.list_runs",
            "api.get_run",
            "api.explain_run",
            "api.list_reconciliations",
            "api.get_reconciliation",
            "api.export_results",
            "api.list_rule_results",
            "api.get_scores",
            "api.get_settings",
            "api.diff_settings",
            "api.preview_setting",
            "api.validate_setting",
            "api.list_settings_versions",
            "api.get_settings_version",
            "api.get_trends",
            "ui.monitoring_page",
            "api.list_alert_rules",
            "api.get_alert_rule",
            "api.list_incidents",
            "api.list_channels",
        ],
        "viewer",
    ),
    **dict.fromkeys(  # row-level personal data, runs, rules
        [
            "api.list_failures",
            "api.export_failures",
            "api.list_mismatches",
            "api.list_missing",
            "ui.reconciliation_page",
            "api.start_run",
            "api.cancel_run",
            "ui.start_run",
            "api.save_entity",
        ],
        "steward",
    ),
    **dict.fromkeys(
        ["api.update_setting", "api.list_audit", "api.export_audit", "api.verify_audit"], "admin"
    ),
    **dict.fromkeys(  # alert rules are changed, and webhooks seen and changed, by admins
        [
            "api.put_alert_rule",
            "api.delete_alert_rule",
            "api.list_webhooks",
            "api.create_webhook",
            "api.get_webhook",
            "api.update_webhook",
            "api.delete_webhook",
            "api.list_deliveries",
            "api.get_delivery",
            "api.redeliver",
        ],
        "admin",
    ),
}
PATH_VALUES = {
    "run_id": "latest",
    "entity": "volunteer",
    "rule": "volunteer.email.format",
    "version": 1,
    "name": "low-score",
    "sub_id": "wh_none",
    "delivery_id": "dl_none",
    ("swagger", "name"): "swagger-ui.css",
    ("static", "name"): "app.css",
}
QUERIES = {
    "api.export_failures": "?rule=volunteer.email.format&format=csv",
    "api.list_mismatches": "?field=email",
    "api.list_missing": "?side=vms",
}
SETTING = {"key": "target", "value": "90"}


@dataclass(frozen=True)
class Caller:
    name: str
    role: str | None  # None: anonymous
    own_tenant: bool = True
    token: str = ""


@pytest.fixture(scope="module")
def matrix_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Flask, list[Caller]]]:
    from vmsdq.web.testing import build_demo, copy_project

    source = build_demo(tmp_path_factory.mktemp("matrix-source"))
    project = copy_project(source, tmp_path_factory.mktemp("matrix") / "demo")
    ctx = open_context(project)
    other = open_context(project)
    other.tenant = "other"  # the same database, another tenant's tokens
    callers = [Caller("anonymous", None)]
    for role in ROLES:
        callers.append(Caller(role, role, True, tokens.create_token(ctx, role, role)[1]))
        callers.append(
            Caller(f"other {role}", role, False, tokens.create_token(other, role, role)[1])
        )
    app = create_app(
        {"VMSDQ_PROJECT": str(project), "VMSDQ_EXECUTOR": RecordingExecutor(), "TESTING": True}
    )
    yield app, callers


def _routes() -> list[tuple[str, str]]:
    app = create_app({"VMSDQ_PROJECT": str(_pack_project())})
    try:
        return sorted(
            (rule.endpoint, method)
            for rule in app.url_map.iter_rules()
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"})
        )
    finally:
        app.extensions["vmsdq"].executor.shutdown()


def _pack_project() -> Path:
    """A project folder to read the route table from (the routes do not depend on it)."""
    import tempfile

    from vmsdq.demo import generate_demo

    folder = Path(tempfile.mkdtemp(prefix="vmsdq-routes-"))
    generate_demo(folder, volunteers=20, seed=1, write_truth=False, salesforce=False)
    return folder


ROUTES = _routes()


def _url(app: Flask, endpoint: str) -> str:
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
    values: dict[str, Any] = {}
    for arg in rule.arguments:
        value = PATH_VALUES.get((endpoint, arg), PATH_VALUES.get(arg))
        assert value is not None, f"no sample value for <{arg}> of {rule.rule}: add one"
        values[arg] = value
    with app.test_request_context():
        from flask import url_for

        return url_for(endpoint, **values) + QUERIES.get(endpoint, "")


def _call(client: FlaskClient, app: Flask, endpoint: str, method: str, caller: Caller) -> Any:
    headers = {"Authorization": f"Bearer {caller.token}"} if caller.token else {}
    url = _url(app, endpoint)
    body: dict[str, Any] = {}
    if endpoint in ("api.update_setting", "api.preview_setting", "api.validate_setting"):
        body = {"json": SETTING}
    elif endpoint == "api.put_alert_rule":
        body = {"json": {"kind": "score_below", "threshold": 50}}
    elif endpoint == "api.create_webhook":
        body = {"json": {"url": "https://hooks.example.org/x", "events": ["alert.fired"]}}
    elif endpoint == "api.start_run":
        body = {"json": {"entities": ["district"]}}
    elif endpoint in ("api.save_entity", "api.preview_entity"):
        text = entity_source(open_context(app.config["VMSDQ_PROJECT"]), "volunteer")
        body = {"json": {"yaml": text}}
    elif endpoint == "api.update_webhook":
        body = {"json": {"events": ["run.completed"]}}
    elif endpoint == "ui.start_run":
        body = {"data": {"entity": "district"}}
    elif endpoint == "auth.login" and method == "POST":
        body = {"data": {"username": "nobody", "password": "wrong password!"}}
    response = client.open(url, method=method, headers=headers, **body)
    response.get_data()  # a streamed download runs to its end inside its request
    response.close()
    return response


@pytest.mark.parametrize(("endpoint", "method"), ROUTES, ids=[f"{m} {e}" for e, m in ROUTES])
def test_route_answers_each_caller_as_its_policy_says(
    matrix_app: tuple[Flask, list[Caller]], endpoint: str, method: str
) -> None:
    assert endpoint in POLICY, f"route {endpoint} has no authorization policy: add it to POLICY"
    app, callers = matrix_app
    least = POLICY[endpoint]
    wrong = []
    for caller in callers:
        client = app.test_client()
        if method != "GET" and caller.token == "":  # a session: send its CSRF token
            from vmsdq.web.testing import session_client

            client = session_client(app)
        response = _call(client, app, endpoint, method, caller)
        status = response.status_code
        expected = _expected(endpoint, least, caller, method)
        if not _matches(expected, status, response):
            wrong.append(f"{caller.name}: {status} (expected {expected})")
    assert not wrong, f"{method} {endpoint} ({least}): " + "; ".join(wrong)


def _expected(endpoint: str, least: str, caller: Caller, method: str) -> str:
    if endpoint == "auth.login" and method == "POST":
        return "401"  # a wrong password, whoever sends it
    if least == PUBLIC:
        return "allowed"
    if caller.role is None:
        return "401" if endpoint.startswith("api.") else "login"
    if not caller.own_tenant or ROLES.index(caller.role) < ROLES.index(least):
        return "403"
    return "allowed"


def _matches(expected: str, status: int, response: Any) -> bool:
    if expected == "allowed":
        return status < 500 and status not in (401, 403)
    if expected == "login":
        return status == 302 and "/login" in response.headers["Location"]
    return status == int(expected)
