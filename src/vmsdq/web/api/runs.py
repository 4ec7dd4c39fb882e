"""Runs: list, start (handed to the executor, never run inside the request), get with live
progress (ETag on finished runs), cancel."""

from __future__ import annotations

import hashlib
from typing import Any

from flask import Response, jsonify, request, url_for

from vmsdq.core.words import RunStatus
from vmsdq.services import lookup, runs
from vmsdq.services.views import page_view, progress_view, summary_view
from vmsdq.web.api import bp, models
from vmsdq.web.api.spec import Operation, operation, utc
from vmsdq.web.reads import CachedView, cached_read, cached_view
from vmsdq.web.state import ctx, web_state

RUN = {"run_id": "a run id, or latest (the newest completed run)"}


@operation(
    bp,
    Operation(
        "/runs",
        "GET",
        "list_runs",
        "Runs, newest first",
        "runs",
        query=models.RunsQuery,
        response=models.RunPage,
    ),
)
def list_runs(query: models.RunsQuery) -> CachedView:
    def compute() -> dict[str, Any]:
        page = runs.list_runs(
            ctx(),
            status=query.status.value if query.status else None,
            since=utc(query.since),
            until=utc(query.until),
            cursor=query.cursor,
            limit=query.limit,
        )
        return page_view(page, summary_view)

    return cached_view(compute)


@operation(
    bp,
    Operation(
        "/runs",
        "POST",
        "start_run",
        "Start a run of every entity, or some",
        "runs",
        body=models.StartRun,
        response=models.RunProgress,
        status=202,
        errors=(400, 403, 409),
        description="The run is recorded as queued and executed in the background; follow it "
        "with GET /runs/{run_id} (its Location).",
    ),
)
def start_run(body: models.StartRun) -> Response:
    run_id = runs.start_run(ctx(), entities=body.entities)
    web_state().submit(run_id)
    response = jsonify(_progress(run_id))
    response.status_code = 202
    response.headers["Location"] = url_for("api.get_run", run_id=run_id)
    return response


@operation(
    bp,
    Operation(
        "/runs/<run_id>",
        "GET",
        "get_run",
        "A run with its live progress, step by step",
        "runs",
        response=models.RunProgress,
        etag=True,
        params=RUN,
    ),
)
def get_run(run_id: str) -> Any:
    payload = cached_read(lambda: _progress(run_id))
    if payload["verdict"] is None:
        response = _json(payload)
        response.headers["Cache-Control"] = "no-store"
        return response
    tag = hashlib.sha256(
        f"{payload['run_id']}|{payload['status']}|{payload['updated_at']}|"
        f"{payload['config_version']}|{payload['score']}".encode()
    ).hexdigest()[:32]
    response = Response(status=304) if request.if_none_match.contains(tag) else _json(payload)
    response.set_etag(tag)
    response.headers["Cache-Control"] = "no-cache"
    return response


@operation(
    bp,
    Operation(
        "/runs/<run_id>/cancel",
        "POST",
        "cancel_run",
        "Cancel a run that has not finished",
        "runs",
        response=models.RunSummary,
        errors=(400, 403, 404),
        params=RUN,
    ),
)
def cancel_run(run_id: str) -> dict[str, Any]:
    return summary_view(runs.cancel_run(ctx(), run_id))


def _progress(run_id: str) -> dict[str, Any]:
    summary, steps = runs.progress(ctx(), run_id)
    payload = progress_view(summary, steps)
    verdict = None
    if RunStatus(summary.status).finished:
        context = ctx()
        verdict = str(lookup.verdict(context, summary, context.project.spec.scoring.fail_under))
    payload["verdict"] = verdict
    return payload


def _json(payload: dict[str, Any]) -> Response:
    return jsonify(payload)
