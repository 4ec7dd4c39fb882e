"""The Python SDK against the real app served in this process: it covers every operation of
/api/openapi.json, pages automatically, downloads exports, raises clear errors and retries."""

from __future__ import annotations

import csv
import inspect
import io
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, get_type_hints

import pytest
from flask import Flask
from urllib3.util import Retry

from vmsdq.client import BadRequestError, Client, NotFoundError, TransportError
from vmsdq.client.types import CHECKED
from vmsdq.web.testing import live_server

RULE = "volunteer.email.format"


@pytest.fixture
def api(app: Flask, project: Path) -> Iterator[Client]:
    """An admin's client: writes through the API need a bearer token (or a session's CSRF
    token, which only the dashboard has)."""
    from vmsdq.services import tokens
    from vmsdq.services.context import open_context

    _, admin = tokens.create_token(open_context(project), "sdk", "admin")
    with live_server(app) as url, Client(url, timeout=60, token=admin) as client:
        yield client


def _document(app: Flask) -> dict[str, Any]:
    found: dict[str, Any] = app.test_client().get("/api/openapi.json").get_json()
    return found


def test_the_sdk_has_a_method_for_every_operation_with_its_parameters(app: Flask) -> None:
    document = _document(app)
    missing, unknown_params = [], []
    for route, methods in document["paths"].items():
        for method, op in methods.items():
            name = op["operationId"]
            fn = getattr(Client, name, None)
            if fn is None:
                missing.append(f"{method.upper()} {route} ({name})")
                continue
            accepted = set(inspect.signature(fn).parameters)
            wanted = {p["name"] for p in op["parameters"]}
            ref = op.get("requestBody", {}).get("content", {}).get("application/json", {})
            if "$ref" in ref.get("schema", {}):
                body = document["components"]["schemas"][ref["schema"]["$ref"].split("/")[-1]]
                wanted |= set(body.get("properties", {}))
            takes_any = any(
                p.kind is p.VAR_KEYWORD for p in inspect.signature(fn).parameters.values()
            )
            unknown_params += [f"{name}({p})" for p in wanted - accepted if not takes_any]
    assert missing == [], "operations without an SDK method"
    assert unknown_params == [], "parameters the SDK method does not take"


def test_the_sdk_types_name_every_field_of_their_schemas(app: Flask) -> None:
    schemas = _document(app)["components"]["schemas"]
    for name, typed in CHECKED.items():
        assert set(get_type_hints(typed)) == set(schemas[name]["properties"]), name


def test_runs_and_failing_rows_are_paged_automatically(api: Client) -> None:
    runs = list(api.iter_runs(limit=1))
    assert len(runs) == 3 and [r["run_id"] for r in runs] == [
        r["run_id"] for r in api.list_runs(limit=10)["items"]
    ]
    latest = api.get_run("latest")
    assert latest["status"] == "completed" and latest["verdict"] is not None
    everything = api.list_failures("latest", rule=RULE, limit=1000)["items"]
    assert len(everything) > 3
    paged = list(api.iter_failures("latest", rule=RULE, limit=2))
    assert paged == everything
    results = list(api.iter_rule_results("latest", limit=7))
    assert len(results) == len(api.list_rule_results("latest", limit=1000)["items"])


def test_exports_download_the_file(api: Client, tmp_path: Path) -> None:
    target = tmp_path / "failures.csv"
    data = api.export_failures("latest", rule=RULE, format="csv", to=target)
    rows = list(csv.DictReader(io.StringIO(data.decode())))
    assert target.read_bytes() == data and len(rows) == len(
        list(api.iter_failures("latest", rule=RULE))
    )
    assert json.loads(api.export_results("latest", format="json"))


def test_settings_webhooks_and_alert_rules(api: Client) -> None:
    before = api.get_settings()["version"]
    changed = api.update_setting("target", "90")
    assert changed["version"] == before + 1 and changed["settings"]["target"] == 90
    assert [v["version"] for v in api.list_settings_versions()][-1] == before + 1
    rule = api.put_alert_rule("low", kind="score_below", threshold=70, severity="error")
    assert rule["origin"] == "api" and api.list_alert_rules() == [rule]
    assert api.list_incidents(status="open") == []
    api.delete_alert_rule("low")
    assert api.list_webhooks() == [] and api.list_deliveries()["items"] == []


def test_errors_carry_the_servers_message_and_field(api: Client) -> None:
    with pytest.raises(NotFoundError, match="run 'nosuch' is not in the results database") as nf:
        api.get_run("nosuch")
    assert nf.value.status == 404 and nf.value.code == "not_found"
    with pytest.raises(BadRequestError) as bad:
        api.list_runs(limit=0)
    assert bad.value.field == "limit"
    with pytest.raises(BadRequestError, match="not in webhooks.allowed_hosts"):
        api.create_webhook("http://10.0.0.1/x", ["run.completed"])


def test_unavailable_answers_are_retried_and_an_unreachable_server_is_a_transport_error() -> None:
    seen: list[str] = []

    class Flaky(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            seen.append(self.path)
            status, body = (
                (503, {"code": "unavailable", "message": "busy"})
                if len(seen) == 1
                else (200, {"items": [], "next_cursor": None})
            )
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Flaky)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_port}"
    try:
        with Client(url, retry=Retry(total=2, backoff_factor=0, status_forcelist=(503,))) as c:
            assert c.list_runs() == {"items": [], "next_cursor": None}
    finally:
        server.shutdown()
        server.server_close()
    assert len(seen) == 2
    with (
        Client(url, retry=Retry(total=1, backoff_factor=0), timeout=2) as gone,
        pytest.raises(TransportError, match="GET http://127.0.0.1"),
    ):
        gone.list_runs()


def test_a_token_decides_what_the_client_may_do(app: Flask, project: Path) -> None:
    from vmsdq.client import ForbiddenError
    from vmsdq.services import tokens
    from vmsdq.services.context import open_context

    _, viewer = tokens.create_token(open_context(project), "viewer", "viewer")
    with live_server(app) as url, Client(url, token=viewer) as api:
        assert api.get_run("latest")["status"] == "completed"
        with pytest.raises(ForbiddenError) as denied:
            api.create_webhook("https://hooks.example.org/x", ["alert.fired"])
        assert denied.value.status == 403 and "may not settings" in denied.value.message
