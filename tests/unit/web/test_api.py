"""The REST API through the Flask test client on a small demo with history: statuses, bodies,
pagination, ETags, exports, the problem shape; every JSON response is checked against its
OpenAPI model (VMSDQ_CHECK_RESPONSES)."""

from __future__ import annotations

import csv
import io
import json

import pyarrow.parquet as pq
import pytest
from flask import Flask
from flask.testing import FlaskClient

RULE = "volunteer.email.format"


def test_runs_are_listed_newest_first_and_paged_by_cursor(client: FlaskClient) -> None:
    everything = client.get("/api/v1/runs?limit=100").get_json()["items"]
    assert len(everything) == 3 and all(r["status"] == "completed" for r in everything)
    seen, cursor = [], None
    while True:
        url = "/api/v1/runs?limit=1" + (f"&cursor={cursor}" if cursor else "")
        body = client.get(url).get_json()
        seen += [r["run_id"] for r in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert seen == [r["run_id"] for r in everything]
    assert client.get("/api/v1/runs?status=queued").get_json()["items"] == []


def test_a_finished_run_has_an_etag_and_answers_304(client: FlaskClient) -> None:
    first = client.get("/api/v1/runs/latest")
    assert first.status_code == 200
    body = first.get_json()
    assert body["verdict"] in ("passed", "warned", "failed", "incomplete")
    assert body["progress"]["percent"] == 100.0 and body["steps"]
    etag = first.headers["ETag"]
    again = client.get("/api/v1/runs/latest", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""


def test_starting_a_run_returns_at_once_and_the_executor_finishes_it(
    app: Flask, client: FlaskClient
) -> None:
    started = client.post("/api/v1/runs", json={"entities": ["district", "school"]})
    assert started.status_code == 202
    run_id = started.get_json()["run_id"]
    assert started.headers["Location"].endswith(f"/api/v1/runs/{run_id}")
    app.extensions["vmsdq"].executor.wait(run_id, timeout=120)
    done = client.get(f"/api/v1/runs/{run_id}").get_json()
    assert done["status"] == "completed" and done["entities"] == 2
    assert {s["name"] for s in done["steps"] if s["kind"] == "validate"} == {"district", "school"}
    assert all(s["status"] == "completed" for s in done["steps"])
    cancelled = client.post(f"/api/v1/runs/{run_id}/cancel").get_json()
    assert cancelled["status"] == "completed"  # a finished run stays as it is


def test_starting_a_run_of_an_unknown_entity_is_a_problem(client: FlaskClient) -> None:
    response = client.post("/api/v1/runs", json={"entities": ["nosuch"]})
    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"
    assert "nosuch" in response.get_json()["message"]


def test_failing_rows_page_sort_and_search(client: FlaskClient) -> None:
    url = f"/api/v1/runs/latest/failures?rule={RULE}&limit=7"
    keys, cursor = [], None
    while True:
        body = client.get(url + (f"&cursor={cursor}" if cursor else "")).get_json()
        keys += [f["key"] for f in body["items"]]
        assert all(f["rule"] == RULE and "email" in f["values"] for f in body["items"])
        cursor = body["next_cursor"]
        if cursor is None:
            break
    rule = client.get(f"/api/v1/runs/latest/rules?search={RULE}").get_json()["items"][0]
    assert len(keys) == rule["failed"] > 7
    assert keys == sorted(keys)
    desc = client.get(url + "&order=desc").get_json()["items"]
    assert [f["key"] for f in desc] == sorted(keys, reverse=True)[:7]
    needle = keys[-1]
    found = client.get(f"/api/v1/runs/latest/failures?rule={RULE}&search={needle}").get_json()
    assert needle in [f["key"] for f in found["items"]]


def test_failing_rows_export_as_csv_json_and_parquet(client: FlaskClient) -> None:
    failed = client.get(f"/api/v1/runs/latest/rules?search={RULE}").get_json()["items"][0]
    base = f"/api/v1/runs/latest/failures/export?rule={RULE}"
    as_csv = client.get(base + "&format=csv")
    assert as_csv.mimetype == "text/csv"
    assert "attachment" in as_csv.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(as_csv.get_data(as_text=True))))
    assert len(rows) == failed["failed"] and list(rows[0]) == ["key", "email"]
    as_json = json.loads(client.get(base + "&format=json").data)
    assert [r["key"] for r in as_json] == [r["key"] for r in rows]
    table = pq.read_table(io.BytesIO(client.get(base + "&format=parquet").data))
    assert table.num_rows == failed["failed"]


def test_results_export_has_one_row_per_rule(client: FlaskClient) -> None:
    latest = client.get("/api/v1/runs/latest").get_json()
    rows = list(csv.DictReader(io.StringIO(client.get("/api/v1/runs/latest/results/export").text)))
    assert len(rows) == latest["rules"]
    assert {"rule", "dimension", "failed", "pass_rate"} <= set(rows[0])


@pytest.mark.parametrize(
    ("url", "status", "code", "field"),
    [
        ("/api/v1/runs/nosuch-run", 404, "not_found", None),
        ("/api/v1/runs?limit=0", 400, "invalid", "limit"),
        ("/api/v1/runs?colour=red", 400, "invalid", "colour"),
        ("/api/v1/runs?status=lost", 400, "invalid", "status"),
        ("/api/v1/runs?cursor=garbage", 400, "invalid", None),
        ("/api/v1/runs/..evil/scores", 400, "invalid", None),
        (f"/api/v1/runs/latest/failures/export?rule={RULE}&format=xls", 400, "invalid", "format"),
        ("/api/v1/runs/latest/failures?rule=volunteer.emial.format", 404, "not_found", None),
        ("/api/v1/rules/volunteer.emial.format", 404, "not_found", None),
        ("/api/v1/nowhere", 404, "not_found", None),
    ],
)
def test_errors_have_one_problem_shape(
    client: FlaskClient, url: str, status: int, code: str, field: str | None
) -> None:
    response = client.get(url)
    assert response.status_code == status
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["code"] == code and body["status"] == status and body["message"]
    assert body["field"] == field


def test_unexpected_errors_tell_nothing_of_the_inside(
    client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    from vmsdq.services import dashboard

    def broken(*_: object, **__: object) -> None:
        raise RuntimeError("password=hunter2 at /secret/path")

    monkeypatch.setattr(dashboard, "overview", broken)
    for url in ("/api/v1/overview", "/"):
        response = client.get(url)
        assert response.status_code == 500
        text = response.get_data(as_text=True)
        assert "hunter2" not in text and "Traceback" not in text and "/secret" not in text


def test_entities_and_rules_with_their_sql(client: FlaskClient) -> None:
    entities = client.get("/api/v1/entities").get_json()["items"]
    assert {"volunteer", "organization", "event"} <= {e["name"] for e in entities}
    volunteer = client.get("/api/v1/entities/volunteer").get_json()
    assert volunteer["mirror"] == "salesforce Contact"
    rule = client.get(f"/api/v1/rules/{RULE}").get_json()
    assert rule["dimension"] == "validity" and "FROM volunteer" in rule["sql"]
    assert rule in volunteer["rules"]
    only = client.get("/api/v1/rules?entity=volunteer&dimension=accuracy").get_json()["items"]
    assert only and all(r["name"].startswith("volunteer.reconcile.") for r in only)
    source = client.get("/api/v1/entities/volunteer/source").get_json()
    assert source["yaml"].startswith("entity: volunteer") or "entity: volunteer" in source["yaml"]


def test_scores_explanation_history_trends_anomalies(client: FlaskClient) -> None:
    scores = client.get("/api/v1/runs/latest/scores").get_json()
    assert 0 <= scores["overall"] <= 100 and "volunteer" in scores["entities"]
    explained = client.get("/api/v1/runs/latest/explanation?top=3").get_json()
    assert len(explained["gains"]) == 3
    assert explained["gains"][0]["overall_gain"] >= explained["gains"][-1]["overall_gain"]
    history = client.get("/api/v1/history").get_json()["items"][0]
    assert history["series"] == "overall" and len(history["points"]) == 3
    trends = client.get("/api/v1/trends?entity=volunteer").get_json()["items"]
    assert trends[0]["series"] == "overall" and trends[0]["points"] == 3
    assert client.get("/api/v1/anomalies").status_code == 200
    overview = client.get("/api/v1/overview").get_json()
    assert overview["scores"]["overall"] == scores["overall"] and overview["fix_first"]


def test_reconciliation_counts_and_values_side_by_side(client: FlaskClient) -> None:
    items = client.get("/api/v1/runs/latest/reconciliation").get_json()["items"]
    volunteer = next(r for r in items if r["entity"] == "volunteer")
    assert volunteer["system"] == "salesforce" and volunteer["ours"] >= 150
    field = max(volunteer["fields"], key=lambda f: f["mismatched"])
    assert field["mismatched"] > 0
    url = f"/api/v1/runs/latest/reconciliation/volunteer/mismatches?field={field['field']}"
    page = client.get(url + "&limit=1000").get_json()["items"]
    assert len(page) == field["mismatched"]
    assert all(m["vms_value"] != m["their_value"] for m in page)
    missing = client.get(
        "/api/v1/runs/latest/reconciliation/volunteer/missing?side=vms&limit=1000"
    ).get_json()["items"]
    assert len(missing) == volunteer["missing_in_vms"]
    wrong = client.get("/api/v1/runs/latest/reconciliation/volunteer/missing?side=mars")
    assert wrong.status_code == 400


def test_settings_validate_preview_update_and_diff(client: FlaskClient) -> None:
    bad = client.post("/api/v1/settings/validate", json={"key": "target", "value": "250"})
    assert bad.status_code == 400 and bad.mimetype == "application/problem+json"
    change = {"key": "severity_weights.warning", "value": "0.05"}
    assert client.post("/api/v1/settings/validate", json=change).get_json()["valid"] is True
    preview = client.post("/api/v1/settings/preview", json=change).get_json()
    assert preview["before"]["overall"] != preview["after"]["overall"]
    before = client.get("/api/v1/settings").get_json()["version"]
    saved = client.put("/api/v1/settings", json=change).get_json()
    assert saved["version"] > before and saved["settings"]["severity_weights.warning"] == 0.05
    versions = client.get("/api/v1/settings/versions").get_json()["items"]
    assert versions[-1]["version"] == saved["version"]
    diff = client.get(f"/api/v1/settings/diff?after={saved['version']}").get_json()
    assert [c["key"] for c in diff["changes"]] == ["severity_weights.warning"]
    assert diff["changes"][0]["after"] == 0.05


def test_rule_editor_previews_a_changed_rule_and_refuses_a_broken_file(
    client: FlaskClient,
) -> None:
    text = client.get("/api/v1/entities/volunteer/source").get_json()["yaml"]
    changed = text.replace("length: 40}", "length: 6}", 1)
    assert changed != text
    preview = client.post("/api/v1/entities/volunteer/preview", json={"yaml": changed})
    body = preview.get_json()
    assert body["valid"] and body["changed"] == ["volunteer.first_name.length"]
    rule = body["rules"][0]
    assert rule["failed"] > 0 and rule["failures"] and "first_name" in rule["failures"][0]
    broken = client.post(
        "/api/v1/entities/volunteer/preview", json={"yaml": text.replace("key:", "kee:", 1)}
    ).get_json()
    assert not broken["valid"] and any(p["line"] > 0 for p in broken["problems"])
    refused = client.put("/api/v1/entities/volunteer", json={"yaml": "entity: [\n"})
    assert refused.status_code == 400
    saved = client.put("/api/v1/entities/volunteer", json={"yaml": changed})
    assert saved.status_code == 200
    length = client.get("/api/v1/rules/volunteer.first_name.length").get_json()
    assert "6" in length["sql"]


def test_openapi_document_lists_every_resource(client: FlaskClient) -> None:
    doc = client.get("/api/openapi.json").get_json()
    assert doc["openapi"] == "3.0.3"
    paths = set(doc["paths"])
    for path in (
        "/api/v1/runs",
        "/api/v1/runs/{run_id}",
        "/api/v1/runs/{run_id}/cancel",
        "/api/v1/runs/{run_id}/rules",
        "/api/v1/runs/{run_id}/failures",
        "/api/v1/runs/{run_id}/failures/export",
        "/api/v1/runs/{run_id}/results/export",
        "/api/v1/runs/{run_id}/scores",
        "/api/v1/runs/{run_id}/explanation",
        "/api/v1/runs/{run_id}/reconciliation/{entity}/mismatches",
        "/api/v1/entities/{entity}/preview",
        "/api/v1/rules/{rule}",
        "/api/v1/history",
        "/api/v1/trends",
        "/api/v1/anomalies",
        "/api/v1/settings/preview",
        "/api/v1/settings/diff",
    ):
        assert path in paths
    get_run = doc["paths"]["/api/v1/runs/{run_id}"]["get"]
    assert "ETag" in get_run["responses"]["200"]["headers"] and "304" in get_run["responses"]
    assert "application/problem+json" in get_run["responses"]["404"]["content"]
    docs = client.get("/api/docs").get_data(as_text=True)
    assert "swagger-ui-bundle.js" in docs
    bundle = client.get("/assets/swagger/swagger-ui-bundle.js")
    assert bundle.status_code == 200 and bundle.mimetype == "text/javascript"
    bundle.close()
