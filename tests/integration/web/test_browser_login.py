"""Logging in, in Chromium: the one-time password, the forced change, logging out; and no
page breaks the Content-Security-Policy (no inline script, nothing blocked)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from vmsdq.services import accounts
from vmsdq.services.context import open_context
from vmsdq.web import create_app
from vmsdq.web.testing import build_demo, copy_project, live_server

pytestmark = pytest.mark.integration

PAGES = [
    "/",
    "/entities/volunteer",
    "/rules/volunteer.email.format",
    "/runs",
    "/settings",
    "/entities/volunteer/edit",
    "/api/docs",
]


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory, browser: Any) -> Iterator[tuple[str, str]]:
    source = build_demo(tmp_path_factory.mktemp("login-demo"))
    project = copy_project(source, tmp_path_factory.mktemp("login") / "demo")
    _, password = accounts.add_user(open_context(project), "ada", "admin")
    assert password is not None
    app = create_app({"VMSDQ_PROJECT": str(project), "VMSDQ_REFRESH_SECONDS": 2})
    with live_server(app) as url:
        browser.clear_cookies()
        yield url, password
        browser.clear_cookies()
    app.extensions["vmsdq"].executor.shutdown()


def test_first_login_changes_the_one_time_password_then_every_page_keeps_the_csp(
    browser: Any, served: tuple[str, str]
) -> None:
    url, password = served
    page = browser.new_page()
    page.set_default_timeout(20_000)
    blocked: list[str] = []
    page.on(
        "console", lambda m: blocked.append(m.text) if "Content Security Policy" in m.text else None
    )
    try:
        page.goto(f"{url}/rules")
        assert re.search(r"/login\?next=/rules", page.url)
        page.fill("#username", "ada")
        page.fill("#password", password)
        page.click("#login-form button[type=submit]")
        page.wait_for_url(re.compile(r"/account/password$"))
        assert "one-time password" in page.inner_text("main")
        page.fill("#current", password)
        page.fill("#new", "ada's own pass phrase")
        page.fill("#again", "ada's own pass phrase")
        page.click("#password-form button[type=submit]")
        page.wait_for_url(re.compile(r"/$"))
        for path in PAGES:
            page.goto(url + path)
            page.wait_for_load_state("load")
            if page.locator(".plot").count():
                page.wait_for_selector(".plot .main-svg")  # Plotly drew under the CSP
        assert blocked == []
        page.goto(url + "/")
        page.click("form.account button[type=submit]")
        page.wait_for_url(re.compile(r"/login$"))
        page.goto(url + "/runs")
        assert "/login" in page.url
    finally:
        page.close()
