"""The web app under gunicorn with vmsdq's settings (``-c python:vmsdq.web.gunicorn_conf``,
what ``vmsdq serve`` and compose.yaml use): every log line is JSON, a started run's lines
carry its run id, gunicorn's access log is JSON too, and a broker password never shows."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path

import pytest

from vmsdq.web.testing import build_demo, copy_project

pytestmark = pytest.mark.integration
GUNICORN = str(Path(sys.executable).parent / "gunicorn")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


OPENER = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))


def call(url: str, data: bytes | None = None, csrf: str = "") -> tuple[int, dict[str, object]]:
    headers = {"Content-Type": "application/json", "X-CSRFToken": csrf} if data else {}
    request = urllib.request.Request(url, data=data, headers=headers)
    try:
        with OPENER.open(request, timeout=30) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_gunicorn_logs_json_lines_with_the_run_id_and_no_secret(
    tmp_path_factory: pytest.TempPathFactory, tmp_path: Path
) -> None:
    project = copy_project(build_demo(tmp_path_factory.mktemp("logs-demo")), tmp_path / "demo")
    down = free_port()  # nothing listens: the broker is down, its password must not leak
    with (project / "vmsdq.yaml").open("a") as handle:
        broker = f"redis://:hunter2@127.0.0.1:{down}/0"
        handle.write(f"jobs:\n  broker: {broker}\n  queue: logs\n  schedules: {{}}\n")
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("VMSDQ_")}
    env["VMSDQ_PROJECT"] = str(project)
    log = tmp_path / "gunicorn.log"
    argv = [GUNICORN, "-c", "python:vmsdq.web.gunicorn_conf", "--bind", f"127.0.0.1:{port}"]
    with log.open("wb") as out:
        server = subprocess.Popen(
            [*argv, "vmsdq.web:create_app()"], stdout=out, stderr=subprocess.STDOUT, env=env
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                if call(base + "/healthz")[0] == 200:
                    break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise AssertionError(log.read_text()) from None
                time.sleep(0.3)
        with OPENER.open(base + "/login", timeout=30) as page:  # a session and its CSRF token
            found = re.search(r'name="csrf-token" content="([^"]+)"', page.read().decode())
        assert found is not None
        run = json.dumps({"entities": ["district"]}).encode()
        status, body = call(base + "/api/v1/runs", run, csrf=found[1])
        assert status == 202 and body["status"] == "queued"
        assert call(base + "/readyz")[0] == 503
    finally:
        server.terminate()
        server.wait(timeout=30)
    text = log.read_text()
    assert "hunter2" not in text
    assert "Traceback" not in text
    # Every log record is a JSON line (a native library may print a line of its own at exit).
    lines = [json.loads(line) for line in text.splitlines() if line.startswith("{")]
    assert len(lines) >= len(text.splitlines()) - 2
    run_id = body["run_id"]
    queued = [r for r in lines if r.get("run_id") == run_id and "stays queued" in r["message"]]
    assert queued and queued[0]["level"] == "warning" and "redis://:***@" in queued[0]["message"]
    access = [r for r in lines if r.get("logger") == "gunicorn.access"]
    assert any("POST /api/v1/runs" in r["message"] for r in access)
    assert any(r.get("logger") == "gunicorn.error" for r in lines)
