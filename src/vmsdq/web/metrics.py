"""``/metrics`` (Prometheus text) and what the web app itself measures: the latency of each
request by route (the URL rule, ``/entities/<entity>``, never the raw path), samples of the
figures for the monitoring page and, when runs execute in this process, its CPU and memory.

With Redis configured, the metrics of every web process and worker are kept there, so any
web process answers ``/metrics`` for the whole deployment.
"""

from __future__ import annotations

import os
import socket
import threading
import time

from flask import Flask, Response, g, request
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from vmsdq.services import metrics, monitoring
from vmsdq.services.executor import ThreadExecutor

UNMATCHED = "<unmatched>"  # a 404's route: paths never become labels


def register(app: Flask) -> None:
    @app.get("/metrics")
    def metrics_text() -> Response:
        """The deployment's metrics, without credentials (Prometheus scrapers); keep the
        port on the operators' network."""
        response = Response(generate_latest(metrics.REGISTRY), mimetype=CONTENT_TYPE_LATEST)
        response.headers["Cache-Control"] = "no-store"
        return response

    @app.before_request
    def _started() -> None:
        g.vmsdq_started = time.perf_counter()
        _start_background(app)

    @app.after_request
    def _answered(response: Response) -> Response:
        started = g.pop("vmsdq_started", None)
        if started is not None:
            rule = request.url_rule.rule if request.url_rule is not None else UNMATCHED
            elapsed = time.perf_counter() - started
            metrics.http_answered(rule, request.method, response.status_code, elapsed)
        return response


_STARTED: set[tuple[int, int]] = set()  # (process, app) pairs with their threads running
_LOCK = threading.Lock()


def _start_background(app: Flask) -> None:
    """The sampler (and, when runs execute here, the heartbeat) once per process and app:
    on the first request, so a server that forks its workers starts them in each."""
    interval = 0.0 if app.testing else float(app.config.get("VMSDQ_SAMPLE_SECONDS") or 0)
    key = (os.getpid(), id(app))
    if key in _STARTED:
        return
    with _LOCK:
        if key in _STARTED:
            return
        _STARTED.add(key)
    if interval > 0:
        monitoring.Sampler(interval).start()
        if isinstance(app.extensions["vmsdq"].executor, ThreadExecutor):
            metrics.start_heartbeat(f"web@{socket.gethostname()}:{os.getpid()}")
