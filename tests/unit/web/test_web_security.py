"""The web front door: login with a one-time password, session cookies, CSRF, lock-out,
bearer tokens, rate limits, security headers, size limits, formula-safe exports."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from vmsdq.services import accounts, tokens
from vmsdq.services.accounts import LOCK_AFTER
from vmsdq.services.context import open_context
from vmsdq.web import create_app
from vmsdq.web.testing import RecordingExecutor

TEMPLATES = Path(__file__).parents[3] / "src" / "vmsdq" / "web" / "ui" / "templates"


@pytest.fixture(autouse=True)
def quick_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    from argon2 import PasswordHasher, profiles

    cheap = PasswordHasher.from_parameters(profiles.CHEAPEST)
    monkeypatch.setattr(accounts, "hasher", lambda: cheap)


def _app(project: Path, **config: Any) -> Flask:
    return create_app(
        {"VMSDQ_PROJECT": str(project), "VMSDQ_EXECUTOR": RecordingExecutor(), **config}
    )


@pytest.fixture
def secured(project: Path) -> Iterator[tuple[Flask, str]]:
    """An app whose project has an admin account; yields it with the one-time password."""
    _, password = accounts.add_user(open_context(project), "ada", "admin")
    assert password is not None
    yield _app(project), password


def _csrf(client: FlaskClient, path: str = "/login") -> str:
    page = client.get(path).get_data(as_text=True)
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found is not None, page[:300]
    return found.group(1)


def _login(client: FlaskClient, username: str, password: str) -> Any:
    token = _csrf(client)
    return client.post(
        "/login", data={"username": username, "password": password, "csrf_token": token}
    )


def test_once_accounts_exist_nobody_is_the_local_admin(secured: tuple[Flask, str]) -> None:
    app, _ = secured
    client = app.test_client()
    page = client.get("/rules?x=1")
    assert page.status_code == 302 and page.headers["Location"] == "/login?next=/rules?x%3D1"
    api = client.get("/api/v1/runs")
    assert api.status_code == 401 and api.headers["WWW-Authenticate"].startswith("Bearer")
    assert api.get_json()["code"] == "unauthorized"


def test_one_time_password_login_forces_a_new_password(secured: tuple[Flask, str]) -> None:
    app, password = secured
    client = app.test_client()
    done = _login(client, "ada", password)
    assert done.status_code == 303 and done.headers["Location"] == "/account/password"
    cookie = done.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    assert client.get("/").headers["Location"] == "/account/password"
    assert client.get("/api/v1/runs").status_code == 403  # not before the password is changed
    token = _csrf(client, "/account/password")
    form = {"current": password, "new": "my own pass phrase", "again": "my own pass phrase"}
    changed = client.post("/account/password", data={**form, "csrf_token": token})
    assert changed.status_code == 303 and changed.headers["Location"] == "/"
    assert client.get("/").status_code == 200
    assert client.get("/api/v1/runs").status_code == 200
    out = client.post("/logout", data={"csrf_token": _csrf(client, "/")})
    assert out.status_code == 303
    assert client.get("/").status_code == 302


def test_secure_cookies_and_hsts_behind_tls(project: Path) -> None:
    _, password = accounts.add_user(open_context(project), "ada", "admin")
    assert password is not None
    app = _app(project, VMSDQ_TLS=True)
    client = app.test_client()
    token = _csrf(client)
    done = client.post(
        "/login",
        data={"username": "ada", "password": password, "csrf_token": token},
        base_url="https://localhost",
        headers={"Referer": "https://localhost/login"},
    )
    assert done.status_code == 303, done.get_data(as_text=True)[:500]
    assert "Secure" in done.headers["Set-Cookie"]
    assert done.headers["Strict-Transport-Security"].startswith("max-age=31536000")


def test_forms_and_api_calls_on_a_session_need_the_csrf_token(
    secured: tuple[Flask, str],
) -> None:
    app, password = secured
    client = app.test_client()
    refused = client.post("/login", data={"username": "ada", "password": password})
    assert refused.status_code == 400 and "CSRF" in refused.get_data(as_text=True)
    _login(client, "ada", password)
    accounts.change_password(open_context(app.config["VMSDQ_PROJECT"]), "ada", password, "x" * 12)
    assert _login(client, "ada", "x" * 12).status_code == 303
    put = client.put("/api/v1/settings", json={"key": "target", "value": "90"})
    assert put.status_code == 400 and put.get_json()["code"] == "csrf"
    token = _csrf(client, "/")
    ok = client.put(
        "/api/v1/settings", json={"key": "target", "value": "90"}, headers={"X-CSRFToken": token}
    )
    assert ok.status_code == 200
    form = client.post("/runs", data={"entity": "district"})
    assert form.status_code == 400


def test_repeated_wrong_passwords_lock_the_account(secured: tuple[Flask, str]) -> None:
    app, password = secured
    client = app.test_client()
    for _ in range(LOCK_AFTER):
        wrong = _login(client, "ada", "wrong password")
        assert wrong.status_code == 401 and "wrong username or password" in wrong.text
    locked = _login(client, "ada", password)
    assert locked.status_code == 401 and "locked after repeated failed logins" in locked.text


def test_login_attempts_are_limited_per_ip(project: Path) -> None:
    app = _app(project, VMSDQ_LOGIN_LIMITS="3 per minute")
    client = app.test_client()
    for _ in range(3):
        assert _login(client, "nobody", "wrong password").status_code == 401
    limited = _login(client, "nobody", "wrong password")
    assert limited.status_code == 429
    assert int(limited.headers["Retry-After"]) > 0
    assert client.get("/login").status_code == 200  # only attempts are limited


def test_api_calls_are_limited_per_token_and_per_ip(project: Path) -> None:
    ctx = open_context(project)
    _, first = tokens.create_token(ctx, "first", "viewer")
    _, second = tokens.create_token(ctx, "second", "viewer")
    app = _app(project, VMSDQ_RATE_LIMITS="4 per minute")
    client = app.test_client()

    def call(token: str, ip: str) -> Any:
        return client.get(
            "/api/v1/entities",
            headers={"Authorization": f"Bearer {token}"},
            environ_base={"REMOTE_ADDR": ip},
        )

    for _ in range(4):
        assert call(first, "192.0.2.1").status_code == 200
    limited = call(first, "192.0.2.1")
    assert limited.status_code == 429 and int(limited.headers["Retry-After"]) > 0
    assert limited.get_json()["status"] == 429
    assert call(first, "192.0.2.2").status_code == 429  # the token's own limit
    assert call(second, "192.0.2.2").status_code == 200  # another token, another address
    assert call(second, "192.0.2.1").status_code == 429  # that address's limit


def test_bearer_tokens_expire_and_are_revoked(project: Path) -> None:
    ctx = open_context(project)
    record, secret = tokens.create_token(ctx, "ci", "steward")
    client = _app(project).test_client()
    bearer = {"Authorization": f"Bearer {secret}"}
    assert client.get("/api/v1/runs", headers=bearer).status_code == 200
    tokens.revoke_token(ctx, record.id)
    refused = client.get("/api/v1/runs", headers=bearer)
    assert refused.status_code == 401 and "unknown, expired or revoked" in refused.text
    assert (
        client.get("/api/v1/runs", headers={"Authorization": "Bearer nonsense"}).status_code == 401
    )


def test_another_tenants_token_sees_none_of_this_tenants_data(project: Path) -> None:
    other = open_context(project)
    other.tenant = "other"
    _, secret = tokens.create_token(other, "theirs", "admin")
    client = _app(project).test_client()
    bearer = {"Authorization": f"Bearer {secret}"}
    for path in ("/api/v1/runs", "/api/v1/runs/latest/failures", "/api/v1/overview", "/"):
        response = client.get(path, headers=bearer)
        assert response.status_code == 403, path
        assert "volunteer" not in response.get_data(as_text=True).replace("vmsdq", "")


def test_headers_deny_framing_and_inline_scripts(project: Path) -> None:
    client = _app(project).test_client()
    page = client.get("/")
    csp = page.headers["Content-Security-Policy"]
    script_src = next(p for p in csp.split(";") if p.strip().startswith("script-src"))
    assert script_src.strip() == "script-src 'self'" and "frame-ancestors 'none'" in csp
    assert page.headers["X-Frame-Options"] == "DENY"
    assert "Strict-Transport-Security" not in page.headers  # plain HTTP: no HSTS
    assert client.get("/api/v1/runs/latest/failures").headers["Cache-Control"] == "no-store"


def test_templates_have_no_inline_script() -> None:
    for template in sorted(TEMPLATES.glob("*.html")):
        text = template.read_text()
        for tag in re.findall(r"<script\b[^>]*>", text):
            assert "src=" in tag or 'type="application/json"' in tag, (template.name, tag)
        assert not re.search(r"\son[a-z]+\s*=", text), template.name
        assert "javascript:" not in text, template.name


def test_big_requests_are_refused(project: Path) -> None:
    client = _app(project).test_client()
    big = client.post(
        "/api/v1/settings/validate",
        data=json.dumps({"key": "target", "value": "9" * 2_000_000}),
        content_type="application/json",
    )
    assert big.status_code == 413


def test_exports_of_failing_rows_neutralise_spreadsheet_formulas(project: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    from vmsdq.services import failures
    from vmsdq.services.lookup import resolve

    ctx = open_context(project)
    run_id = resolve(ctx, "latest")
    path = ctx.artifacts.failures_file(run_id, "volunteer")
    table = pq.read_table(path)
    evil = {"email": '=HYPERLINK("http://evil.example","x")', "first_name": "@SUM(A1)"}
    extra = pa.table(
        {"rule": ["volunteer.email.format"], "key": ["v-evil"], "values": [json.dumps(evil)]}
    )
    pq.write_table(pa.concat_tables([table, extra.cast(table.schema)]), path)
    csv = b"".join(failures.export_failures(ctx, run_id, "volunteer.email.format", "csv"))
    line = next(li for li in csv.decode().splitlines() if "v-evil" in li)
    assert "'=HYPERLINK" in line and "'@SUM(A1)" in line
    assert ',"=HYPERLINK' not in line
