"""What an operator sees: /healthz, /readyz, /metrics (latency keyed by route), the
monitoring page with its figures over time, and the degraded banner when Redis is away."""

from __future__ import annotations

import json
import re
import socket
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from prometheus_client.parser import text_string_to_metric_families

from vmsdq.services import metrics, monitoring
from vmsdq.web import create_app
from vmsdq.web.testing import session_client


def scrape(client: FlaskClient) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = client.get("/metrics")
    assert response.status_code == 200 and response.mimetype == "text/plain"
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(response.get_data(as_text=True))
        for s in family.samples
    }


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])  # nothing listens there once the socket is closed


def test_healthz_and_readyz_say_the_process_and_its_services_are_up(
    client: FlaskClient,
) -> None:
    assert client.get("/healthz").get_json() == {"status": "ok"}
    ready = client.get("/readyz")
    body = ready.get_json()
    assert ready.status_code == 200 and body["status"] == "ready" and body["down"] == []
    assert set(body["checks"]) == {"database", "broker", "cache"}
    assert body["checks"]["broker"]["detail"].startswith("none configured")


def test_http_latency_is_keyed_by_the_url_rule_not_the_path(client: FlaskClient) -> None:
    route = ("route", "/entities/<entity>")
    before = scrape(client)
    for entity in ("volunteer", "school", "no-such-entity"):
        client.get(f"/entities/{entity}")
    client.get("/no/such/page")
    found = scrape(client)

    def grew(name: str, *labels: tuple[str, str]) -> float:
        key = (name, tuple(sorted(labels)))
        return found.get(key, 0.0) - before.get(key, 0.0)

    count = "vmsdq_http_request_duration_seconds_count"
    assert grew(count, route, ("method", "GET")) == 3
    assert grew("vmsdq_http_requests_total", route, ("method", "GET"), ("status", "200")) == 2
    assert grew("vmsdq_http_requests_total", route, ("method", "GET"), ("status", "404")) == 1
    assert grew(count, ("route", "<unmatched>"), ("method", "GET")) == 1
    assert not any("volunteer" in dict(labels).get("route", "") for _, labels in found)


def test_the_monitoring_page_shows_the_figures_over_time(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(monitoring, "_HISTORIES", {})  # not the samples of earlier tests
    start = 1_900_000_000.0
    monitoring.sample(60, now=start)
    metrics.entity_validated("volunteer", 2.0, 30_000)
    metrics.run_finished("completed", 12.0)
    metrics.task_retried("vmsdq.read_view")
    metrics.cache_used("memory", True)
    metrics.cache_used("memory", False)
    metrics.worker_heartbeat("w1@host", cpu_seconds=10.0, memory_bytes=2e8)
    for _ in range(3):
        client.get("/runs")
    latest = monitoring.sample(60, now=start + 60)
    assert latest is not None and monitoring.sample(60, now=start + 61) is None  # one per slot
    assert latest["runs_finished"] == 1 and latest["run_seconds"] == pytest.approx(12.0)
    assert latest["task_retries"] == 1 and latest["cache_hit_ratio"] == 0.5
    assert latest["rows_per_second"]["volunteer"] == pytest.approx(15_000)
    assert latest["http"]["GET /runs"]["requests"] == 3

    page = client.get("/monitoring")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert re.search(r'aria-current="page"[^>]*>Monitoring<|>Monitoring</a>', html)
    figures = {
        m[0]: json.loads(m[1])
        for m in re.findall(
            r'<script type="application/json" id="([\w-]+)-data">(.*?)</script>', html
        )
    }
    assert set(figures) >= {"run-duration", "rows", "queue", "tasks", "cache", "latency", "cpu"}
    assert pytest.approx(12.0) in figures["run-duration"]["data"][0]["y"]
    rows = {t["name"]: t["y"] for t in figures["rows"]["data"]}
    assert rows["volunteer"][-1] == pytest.approx(15_000)
    assert 50.0 in figures["cache"]["data"][0]["y"]
    assert any(t["name"] == "GET /runs" for t in figures["latency"]["data"])
    assert "w1@host" in html and "Degraded" not in html


def test_redis_unreachable_means_not_ready_and_degraded_pages_but_no_5xx(
    project: Path, monkeypatch: object
) -> None:
    url = f"redis://127.0.0.1:{closed_port()}/0"
    with (project / "vmsdq.yaml").open("a") as handle:
        handle.write(f"jobs:\n  broker: {url}\n  queue: unit-down\n  schedules: {{}}\n")
    app = create_app({"VMSDQ_PROJECT": str(project), "TESTING": True})
    try:
        client = session_client(app)  # its POST carries the CSRF token
        ready = client.get("/readyz")
        body = ready.get_json()
        assert ready.status_code == 503 and body["down"] == ["broker", "cache"]
        assert (
            body["checks"]["database"]["ok"] and "unreachable" in body["checks"]["broker"]["detail"]
        )
        assert client.get("/healthz").status_code == 200
        for path in ("/", "/runs", "/monitoring", "/entities/volunteer", "/settings"):
            page = client.get(path)
            assert page.status_code == 200, path
            assert "Degraded:" in page.get_data(as_text=True)
            assert "broker and cache unreachable" in page.get_data(as_text=True)
        assert client.get("/metrics").status_code == 200
        started = client.post("/api/v1/runs", json={"entities": ["district"]})
        assert started.status_code == 202 and started.get_json()["status"] == "queued"
        run_id = started.get_json()["run_id"]
        assert client.get(f"/api/v1/runs/{run_id}").get_json()["status"] == "queued"
    finally:
        metrics.configure(None)
