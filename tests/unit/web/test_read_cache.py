"""The read cache of the API and the dashboard: hits and misses counted, a new run, a run's
progress and a settings change seen at once, permissions never skipped by a hit; in-process
and in the real Redis on 127.0.0.1."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from vmsdq.services import cache, metrics
from vmsdq.services.context import Actor, open_context
from vmsdq.web import create_app
from vmsdq.web.reads import read_cache
from vmsdq.web.testing import session_client

RULE = "volunteer.email.format"


def _count(result: str) -> float:
    found = metrics.snapshot().get("vmsdq_cache_requests_total", {})
    return sum(v for k, v in found.items() if f'"{result}"' in k)


@pytest.fixture(params=["memory", "redis"])
def cached_app(
    request: pytest.FixtureRequest, project: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Flask]:
    role = {"now": "admin"}
    if request.param == "redis":
        url = request.getfixturevalue("redis_url")
        monkeypatch.setenv("VMSDQ_CACHE_URL", url)
    else:
        monkeypatch.delenv("VMSDQ_CACHE_URL", raising=False)
        monkeypatch.delenv("VMSDQ_BROKER_URL", raising=False)
    app = create_app(
        {
            "VMSDQ_PROJECT": str(project),
            "TESTING": True,
            "VMSDQ_CHECK_RESPONSES": True,
            "VMSDQ_ACTOR": lambda: Actor("ann", role["now"]),
        }
    )
    app.config["role"] = role
    with app.app_context():
        assert read_cache().name == request.param
    yield app
    app.extensions["vmsdq"].executor.shutdown()


def _token(page: bytes) -> bytes:
    found = re.search(rb'name="csrf-token" content="([^"]+)"', page)
    assert found is not None
    return found.group(1)


def _untokened(page: bytes) -> bytes:
    return page.replace(_token(page), b"") if page.startswith(b"<!doctype") else page


def test_a_second_read_is_a_hit_and_the_same_answer(cached_app: Flask) -> None:
    client = cached_app.test_client()
    for path in ("/api/v1/runs/latest/scores", "/", f"/rules/{RULE}", "/api/v1/runs/latest"):
        hits, misses = _count("hit"), _count("miss")
        first = client.get(path)
        assert first.status_code == 200
        assert _count("miss") == misses + 1 and _count("hit") == hits
        again = client.get(path)
        assert again.status_code == 200 and _untokened(again.data) == _untokened(first.data)
        assert _count("hit") == hits + 1 and _count("miss") == misses + 1


def test_a_cached_page_carries_the_csrf_token_of_its_own_session(cached_app: Flask) -> None:
    ann, bob = cached_app.test_client(), cached_app.test_client()
    first = ann.get("/entities/volunteer").data
    hits = _count("hit")
    second = bob.get("/entities/volunteer").data  # the page ann's request put in the cache
    assert _count("hit") == hits + 1
    assert b"vmsdq-csrf-token" not in first + second
    assert _token(first) != _token(second)
    with cached_app.test_request_context():
        from flask_wtf.csrf import validate_csrf

        with bob.session_transaction() as theirs:
            session_token = theirs["csrf_token"]
        from flask import session

        session["csrf_token"] = session_token
        validate_csrf(_token(second).decode())  # raises unless it is bob's


def test_a_settings_change_shows_at_once(cached_app: Flask) -> None:
    client = session_client(cached_app)
    before = client.get("/api/v1/settings").get_json()
    scores = client.get("/api/v1/runs/latest/scores?version=1").get_json()
    assert client.get("/api/v1/settings").get_json() == before  # a hit
    change = {"key": "severity_weights.warning", "value": "0.05"}
    saved = client.put("/api/v1/settings", json=change).get_json()
    after = client.get("/api/v1/settings").get_json()
    assert after["version"] == saved["version"] > before["version"]
    assert after["settings"]["severity_weights.warning"] == 0.05
    versions = client.get("/api/v1/settings/versions").get_json()["items"]
    assert versions[-1]["version"] == saved["version"]
    rescored = client.get(f"/api/v1/runs/latest/scores?version={saved['version']}").get_json()
    assert rescored["label"] != scores["label"]


def test_a_new_run_and_its_progress_show_at_once(cached_app: Flask, project: Path) -> None:
    client = cached_app.test_client()
    runs = client.get("/api/v1/runs?limit=5").get_json()["items"]
    overview = client.get("/").data
    ctx = open_context(project)
    run_id = f"20300101T000000-{uuid.uuid4().hex[:6]}"
    steps = [{"kind": "validate", "name": "district", "rules_total": 3}]
    ctx.repos.runs.create(run_id, ctx.clock(), {"entities": ["district"]}, steps)
    listed = client.get("/api/v1/runs?limit=5").get_json()["items"]
    assert listed[0]["run_id"] == run_id and listed[0]["status"] == "queued"
    assert listed[1:] == runs[:4]
    assert client.get("/").data != overview  # the queued run is on the overview
    first = client.get(f"/api/v1/runs/{run_id}").get_json()
    ctx.repos.steps.progress(run_id, "validate", "district", rules_done=2)
    moved = client.get(f"/api/v1/runs/{run_id}").get_json()
    assert (
        [s["rules_done"] for s in moved["steps"]]
        == [2]
        != [s["rules_done"] for s in first["steps"]]
    )


def test_a_hit_never_skips_the_permission(cached_app: Flask) -> None:
    client = cached_app.test_client()
    path = f"/api/v1/runs/latest/failures?rule={RULE}&limit=5"
    assert client.get(path).status_code == 200
    assert client.get(path).status_code == 200  # now in the cache
    cached_app.config["role"]["now"] = "viewer"
    denied = client.get(path)
    assert denied.status_code == 403 and b"may not read rows" in denied.data
    assert client.get("/api/v1/runs/latest/scores").status_code == 200  # reading is allowed


def test_the_version_is_one_cheap_text_that_moves_with_the_store(project: Path) -> None:
    ctx = open_context(project)
    first = cache.version(ctx)
    assert first == cache.version(ctx)
    run_id = f"20300101T000000-{uuid.uuid4().hex[:6]}"
    steps = [{"kind": "validate", "name": "district", "rules_total": 3}]
    ctx.repos.runs.create(run_id, ctx.clock(), {"entities": ["district"]}, steps)
    queued = cache.version(ctx)
    ctx.repos.steps.start(run_id, "validate", "district", ctx.clock())
    started = cache.version(ctx)
    ctx.repos.runs.set_status(run_id, "cancelled", ctx.clock())
    cancelled = cache.version(ctx)
    ctx.repos.runs.delete(run_id)
    assert len({first, queued, started, cancelled}) == 4
    assert cache.version(ctx) != cancelled


def test_read_cache_off_computes_every_read(project: Path) -> None:
    app = create_app({"VMSDQ_PROJECT": str(project), "VMSDQ_READ_CACHE": "off"})
    client: FlaskClient = app.test_client()
    try:
        with app.app_context():
            assert read_cache().name == "none"
        misses = _count("miss")
        assert client.get("/api/v1/runs/latest/scores").status_code == 200
        assert client.get("/api/v1/runs/latest/scores").status_code == 200
        assert _count("miss") == misses + 2
    finally:
        app.extensions["vmsdq"].executor.shutdown()


def test_the_memory_cache_keeps_to_its_byte_budget() -> None:
    memory = cache.MemoryCache(max_entries=100, max_bytes=1000)
    memory.set("a", b"x" * 400)
    memory.set("b", b"y" * 400)
    assert memory.get("a") is not None  # b is now the least recently used
    memory.set("c", b"z" * 400)
    assert (memory.get("a"), memory.get("b")) == (b"x" * 400, None)
    memory.set("a", b"w" * 100)  # replacing a value frees its old bytes
    memory.set("d", b"v" * 400)
    assert memory.get("c") == b"z" * 400 and memory.get("a") == b"w" * 100
    memory.set("huge", b"h" * 1001)  # larger than the budget: never kept
    assert memory.get("huge") is None and memory.get("d") == b"v" * 400
