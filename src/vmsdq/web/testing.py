"""Helpers for tests and benchmarks of the web app: a small demo project with history, and
the app served on a free local port in a background thread."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from flask import Flask

from vmsdq.services.demo import simulate

END = datetime(2026, 11, 25, 6, tzinfo=UTC)


class RecordingExecutor:
    """Records submitted runs without executing them (API contract tests)."""

    def __init__(self) -> None:
        self.submitted: list[str] = []

    def submit(self, make_context: Any, run_id: str) -> None:
        self.submitted.append(run_id)


def build_demo(target: Path, *, days: int = 3, volunteers: int = 150, seed: int = 7) -> Path:
    """A demo project with ``days`` daily runs (the last one at ``END``), built once per
    folder: a second call with the same folder returns it as it is."""
    if (target / ".vmsdq" / "results.db").is_file():
        return target
    simulate(target, days, volunteers=volunteers, seed=seed, end=END)
    return target


def copy_project(source: Path, target: Path) -> Path:
    """A private copy of a built project (tests that change settings, rules or runs)."""
    shutil.copytree(source, target, dirs_exist_ok=True)
    return target


def session_client(app: Flask) -> Any:
    """A test client with a session and its CSRF token sent on every request (as the
    dashboard's JavaScript sends it)."""
    import re

    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    found = re.search(r'name="csrf-token" content="([^"]+)"', page)
    assert found is not None, "the login page has no CSRF token"
    client.environ_base["HTTP_X_CSRFTOKEN"] = found.group(1)
    return client


@contextmanager
def live_server(app: Flask, host: str = "127.0.0.1") -> Iterator[str]:
    """Serve ``app`` on a free port in a thread; yields its base URL."""
    from werkzeug.serving import make_server

    server = make_server(host, 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://{host}:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
