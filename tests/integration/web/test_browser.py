"""The dashboard in headless Chromium: every page at 1280 and 390 px with real data (screenshots
under build/screenshots/), axe-core finding no serious or critical violation, keyboard use,
and the flows a data steward follows: drill down, page and export failing rows, preview a
weight change, preview a rule edit, start a run and watch it finish."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from vmsdq.services import accounts
from vmsdq.services.context import open_context
from vmsdq.web import create_app
from vmsdq.web.testing import browser_login, build_demo, copy_project, live_server

pytestmark = pytest.mark.integration

PASSWORD = "browser test pass phrase"
WIDTHS = {"desktop": (1280, 900), "phone": (390, 844)}
PAGES = {
    "overview": "/",
    "entity": "/entities/volunteer",
    "rule": "/rules/volunteer.email.format",
    "reconciliation-list": "/reconciliation",
    "reconciliation": "/reconciliation/volunteer",
    "runs": "/runs",
    "monitoring": "/monitoring",
    "settings": "/settings",
    "rules": "/rules",
    "editor": "/entities/volunteer/edit",
}


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory, browser: Any) -> Iterator[str]:
    source = build_demo(tmp_path_factory.mktemp("browser-demo"))
    project = copy_project(source, tmp_path_factory.mktemp("browser") / "demo")
    accounts.add_user(open_context(project), "ada", "admin", PASSWORD)
    app = create_app({"VMSDQ_PROJECT": str(project), "VMSDQ_REFRESH_SECONDS": 2})
    with live_server(app) as url:
        browser.clear_cookies()
        browser_login(browser, url, "ada", PASSWORD)  # every page below as a logged-in admin
        yield url
        browser.clear_cookies()
    app.extensions["vmsdq"].executor.shutdown()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    found = browser.new_page()
    found.set_default_timeout(20_000)
    yield found
    found.close()


def _open(page: Any, url: str) -> None:
    page.goto(url)
    page.wait_for_load_state("load")
    if page.locator(".plot").count():
        page.wait_for_selector(".plot .main-svg")  # Plotly drew the charts


def _serious(page: Any) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


@pytest.mark.parametrize("width", list(WIDTHS))
@pytest.mark.parametrize("name", list(PAGES))
def test_every_page_at_both_widths_is_accessible(
    page: Any, base_url: str, screenshots: Path, name: str, width: str
) -> None:
    page.set_viewport_size(dict(zip(("width", "height"), WIDTHS[width], strict=True)))
    _open(page, base_url + PAGES[name])
    assert page.locator("h1").inner_text()
    assert "Internal Server Error" not in page.content()
    page.screenshot(path=str(screenshots / f"{name}-{width}.png"), full_page=True)
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1, f"{name} is {overflow}px wider than a {width} screen"
    assert _serious(page) == []


def test_pages_show_real_data(page: Any, base_url: str) -> None:
    _open(page, base_url + "/")
    score = page.get_by_test_id("overall-score").inner_text()
    assert re.fullmatch(r"\d+\.\d", score)
    assert page.locator("table.heat tbody tr").count() >= 8
    assert page.get_by_role("heading", name="Fix these first").is_visible()


def test_keyboard_reaches_the_content_and_the_menu(page: Any, base_url: str) -> None:
    _open(page, base_url + "/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    _open(page, base_url + "/")
    for _ in range(12):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent") == "Rules":
            break
    page.keyboard.press("Enter")
    page.wait_for_url(base_url + "/rules")


def test_drill_down_page_through_failing_rows_and_export_csv(
    page: Any, base_url: str, tmp_path: Path
) -> None:
    _open(page, base_url + "/")
    page.locator("table.heat").get_by_role("link", name="volunteer", exact=True).click()
    page.wait_for_selector("h1:has-text('Entity volunteer')")
    page.get_by_role("link", name="volunteer.email.format", exact=True).click()
    page.wait_for_selector("h1:has-text('Rule volunteer.email.format')")
    rows = page.get_by_test_id("failures-table").locator("tbody tr")
    first = rows.all_inner_texts()
    assert len(first) == 25
    page.get_by_role("link", name="Next page").click()
    page.wait_for_url(re.compile(r"cursor="))
    second = page.get_by_test_id("failures-table").locator("tbody tr").all_inner_texts()
    assert second and not set(first) & set(second)
    with page.expect_download() as download:
        page.get_by_role("link", name="CSV").click()
    saved = tmp_path / "failures.csv"
    download.value.save_as(saved)
    with saved.open() as handle:
        exported = list(csv.DictReader(handle))
    assert list(exported[0]) == ["key", "email"] and len(exported) > 25


def test_change_a_weight_and_see_the_preview(page: Any, base_url: str) -> None:
    _open(page, base_url + "/settings")
    page.locator("#setting-key").fill("severity_weights.warning")
    page.locator("#setting-value").fill("0.05")
    page.get_by_role("button", name="Preview").click()
    table = page.get_by_test_id("preview-table")
    table.wait_for()
    overall = table.locator("tbody tr").first.locator("td").all_inner_texts()
    assert overall[0] == "overall" and overall[1] != overall[2]
    page.locator("#setting-value").fill("-1")
    page.get_by_role("button", name="Preview").click()
    page.wait_for_selector("#setting-error:not(:empty)")


def test_edit_a_rule_and_see_its_preview(page: Any, base_url: str) -> None:
    _open(page, base_url + "/entities/volunteer/edit")
    area = page.get_by_label("Entity YAML")
    text = area.input_value()
    area.fill(text.replace("length: 40}", "length: 6}", 1))
    page.wait_for_selector("#editor-status:has-text('Changed: volunteer.first_name.length')")
    preview = page.locator(".rule-preview").first
    assert "volunteer.first_name.length" in preview.inner_text()
    assert preview.locator("tbody tr").count() > 0
    area.fill(text.replace("key:", "kee:", 1))
    page.wait_for_selector("#problems li")
    assert "line" in page.locator("#problems li").first.inner_text()


def test_start_a_run_and_watch_it_finish(page: Any, base_url: str) -> None:
    _open(page, base_url + "/runs")
    before = page.get_by_test_id("runs-table").locator("tbody tr").count()
    page.get_by_label("district").check()
    page.get_by_role("button", name="Start run").click()
    page.wait_for_selector(".run-progress progress")
    page.wait_for_selector(".run-progress .done", timeout=90_000)
    assert "verdict" in page.locator(".run-progress .done").inner_text()
    page.wait_for_load_state("load")
    rows = page.get_by_test_id("runs-table").locator("tbody tr")
    rows.nth(before).wait_for(state="attached", timeout=20_000)  # no eval under the CSP
