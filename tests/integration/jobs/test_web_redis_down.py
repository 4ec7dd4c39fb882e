"""Redis stopped under a running web app (our own redis-server, the broker and cache of
this deployment): the app keeps serving from the database with a degraded banner and no
5xx, /readyz names the broker and the cache, a run started meanwhile is recorded queued and
completes once Redis is back (the worker's sweep sends it again)."""

from __future__ import annotations

from flask.testing import FlaskClient
from jobs_support import Deployment, OwnRedis, stored_counts, wait_for

from vmsdq.services import runs
from vmsdq.services.context import open_context
from vmsdq.web import create_app
from vmsdq.web.testing import session_client

PAGES = ("/", "/runs", "/monitoring", "/entities/district", "/rules", "/settings")


def status(client: FlaskClient, run_id: str) -> str:
    return str(client.get(f"/api/v1/runs/{run_id}").get_json()["status"])


def test_the_web_app_with_redis_stopped_and_back(
    own_redis: OwnRedis, deployment: Deployment
) -> None:
    deployment.broker = own_redis.url
    deployment.configure()
    deployment.worker("w1")
    app = create_app({"VMSDQ_PROJECT": str(deployment.root), "VMSDQ_HEALTH_SECONDS": 0})
    client = session_client(app)
    assert client.get("/readyz").status_code == 200

    own_redis.stop()
    ready = client.get("/readyz")
    body = ready.get_json()
    assert ready.status_code == 503 and body["down"] == ["broker", "cache"]
    assert body["checks"]["database"]["ok"] is True
    assert client.get("/healthz").status_code == 200
    for path in PAGES:
        page = client.get(path)
        assert page.status_code == 200, path
        assert "Degraded:" in page.get_data(as_text=True), path
    for path in ("/api/v1/runs", "/api/v1/runs/latest", "/metrics"):
        assert client.get(path).status_code < 500, path
    started = client.post("/api/v1/runs", json={"entities": ["district", "school"]})
    assert started.status_code == 202 and started.get_json()["status"] == "queued"
    run_id = started.get_json()["run_id"]
    assert status(client, run_id) == "queued"  # recorded, not lost

    own_redis.start()  # empty: the canvas was never sent; the worker's sweep sends it now
    wait_for(lambda: status(client, run_id) == "completed", 180, "the queued run")
    run = runs.get_run(open_context(deployment.root), run_id)
    assert stored_counts(deployment.root, run_id) == (2, len(run.rules), len(run.rules))
    assert client.get("/readyz").status_code == 200
    assert "Degraded:" not in client.get("/runs").get_data(as_text=True)

    again = client.post("/api/v1/runs", json={"entities": ["district"]})  # sent at once now
    assert again.status_code == 202
    wait_for(lambda: status(client, again.get_json()["run_id"]) == "completed", 120, "a new run")
