"""Locust users for bench/web.py: the dashboard pages and the main API reads, each request
named by what it measures. ``DEEP_CURSOR`` (env) is a cursor far into the failing rows."""

from __future__ import annotations

import os

from locust import HttpUser, between, task

RULE = os.environ.get("BENCH_RULE", "volunteer.email.format")
DEEP = os.environ.get("DEEP_CURSOR", "")


class Steward(HttpUser):
    wait_time = between(0.5, 1.5)  # a person (or a script) reading, not a flood

    @task(3)
    def overview(self) -> None:
        self.client.get("/", name="page: overview")

    @task(2)
    def entity(self) -> None:
        self.client.get("/entities/volunteer", name="page: entity")

    @task(2)
    def failing_rows(self) -> None:
        self.client.get(f"/rules/{RULE}", name="page: failing rows (first)")

    @task(2)
    def failing_rows_deep(self) -> None:
        self.client.get(f"/rules/{RULE}?cursor={DEEP}", name="page: failing rows (deep)")

    @task(2)
    def api_runs(self) -> None:
        self.client.get("/api/v1/runs?limit=20", name="api: runs")

    @task(2)
    def api_run(self) -> None:
        self.client.get("/api/v1/runs/latest", name="api: run")

    @task(2)
    def api_scores(self) -> None:
        self.client.get("/api/v1/runs/latest/scores", name="api: scores")

    @task(2)
    def api_failures(self) -> None:
        self.client.get(f"/api/v1/runs/latest/failures?rule={RULE}&limit=50", name="api: failures")

    @task(1)
    def api_overview(self) -> None:
        self.client.get("/api/v1/overview", name="api: overview")

    @task(1)
    def api_history(self) -> None:
        self.client.get("/api/v1/history?entity=volunteer", name="api: history")
