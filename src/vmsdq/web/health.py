"""``/healthz`` (the process serves), ``/readyz`` (database, broker and cache answer) and the
"degraded" banner every page shows while the broker or the cache is down."""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, jsonify

from vmsdq.services import health
from vmsdq.services.jobconfig import job_settings


def register(app: Flask) -> None:
    served = app.extensions["vmsdq"].served
    ttl = float(app.config["VMSDQ_HEALTH_SECONDS"])
    checks = health.Readiness(job_settings(served.project), ttl=ttl)
    app.extensions["vmsdq_readiness"] = checks

    @app.get("/healthz")
    def healthz() -> Response:
        """Always 200 while this process answers (a liveness probe)."""
        return _no_store(jsonify({"status": "ok"}))

    @app.get("/readyz")
    def readyz() -> Response:
        """200 when the database, the broker and the cache all answer; else 503 saying which
        one is down (a readiness probe)."""
        found = health.readiness(served.context(), checks.settings)
        ready = all(c.ok for c in found)
        body = {
            "status": "ready" if ready else "not ready",
            "down": [c.name for c in found if not c.ok],
            "checks": {c.name: c.to_dict() for c in found},
        }
        response = _no_store(jsonify(body))
        response.status_code = 200 if ready else 503
        return response

    @app.context_processor
    def _degraded() -> dict[str, Any]:
        return {"degraded": checks.down()}


def _no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    return response
