"""What a run found: rule results, failing rows, exports, scores, explanations and
reconciliation."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from flask import Response, stream_with_context

from vmsdq.services import catalog, dashboard, exports, failures, reconciliation, scores
from vmsdq.services.views import (
    explanation_view,
    failure_view,
    mismatch_view,
    page_view,
    reconciliation_view,
    rule_view,
    scores_view,
)
from vmsdq.web.api import bp, models
from vmsdq.web.api.spec import Operation, operation
from vmsdq.web.reads import CachedView, cached_view
from vmsdq.web.state import ctx

RUN = {"run_id": "a run id, or latest (the newest completed run)"}
MEDIA = {"csv": "text/csv", "json": "application/json", "parquet": "application/vnd.apache.parquet"}
FILES = tuple(MEDIA.values())


@operation(
    bp,
    Operation(
        "/runs/<run_id>/rules",
        "GET",
        "list_rule_results",
        "A run's rule results (metrics per rule)",
        "results",
        query=models.RuleResultsQuery,
        response=models.RuleResultPage,
        params=RUN,
    ),
)
def list_rule_results(run_id: str, query: models.RuleResultsQuery) -> CachedView:
    def compute() -> dict[str, Any]:
        page = catalog.rule_results(
            ctx(),
            run_id,
            entity=query.entity,
            dimension=query.dimension.value if query.dimension else None,
            outcome=query.outcome.value if query.outcome else None,
            search=query.search,
            cursor=query.cursor,
            limit=query.limit,
        )
        return page_view(page, rule_view)

    return cached_view(compute)


@operation(
    bp,
    Operation(
        "/runs/<run_id>/failures",
        "GET",
        "list_failures",
        "Failing rows: key, offending values and the rule (its reason); filter, sort, page",
        "results",
        query=models.FailuresQuery,
        response=models.FailurePage,
        errors=(400, 403, 404),
        params=RUN,
    ),
)
def list_failures(run_id: str, query: models.FailuresQuery) -> CachedView:
    def compute() -> dict[str, Any]:
        page = failures.list_failures(
            ctx(),
            run_id,
            rule=query.rule,
            entity=query.entity,
            search=query.search,
            sort=query.sort,
            descending=query.order == "desc",
            cursor=query.cursor,
            limit=query.limit,
        )
        return page_view(page, failure_view)

    return cached_view(compute, permission="read_rows")


@operation(
    bp,
    Operation(
        "/runs/<run_id>/failures/export",
        "GET",
        "export_failures",
        "Every failing row of one rule as CSV, JSON or Parquet (streamed)",
        "results",
        query=models.FailureExportQuery,
        produces=FILES,
        errors=(400, 403, 404),
        params=RUN,
    ),
)
def export_failures(run_id: str, query: models.FailureExportQuery) -> Response:
    chunks = failures.export_failures(ctx(), run_id, query.rule, query.format)
    return _file(chunks, query.format, f"{run_id}-{query.rule}")


@operation(
    bp,
    Operation(
        "/runs/<run_id>/results/export",
        "GET",
        "export_results",
        "A run's rule results as CSV, JSON or Parquet (streamed)",
        "results",
        query=models.ResultsExportQuery,
        produces=FILES,
        params=RUN,
    ),
)
def export_results(run_id: str, query: models.ResultsExportQuery) -> Response:
    chunks = exports.export_results(ctx(), run_id, query.format)
    return _file(chunks, query.format, f"{run_id}-results")


@operation(
    bp,
    Operation(
        "/runs/<run_id>/scores",
        "GET",
        "get_scores",
        "Scores per entity and dimension and overall, as run or under another version",
        "scores",
        query=models.ScoresQuery,
        response=models.Scores,
        params=RUN,
    ),
)
def get_scores(run_id: str, query: models.ScoresQuery) -> CachedView:
    def compute() -> dict[str, Any]:
        if query.version is None:
            return scores_view(dashboard.scores_as_run(ctx(), run_id))
        return scores_view(scores.run_scores(ctx(), run_id, version=query.version))

    return cached_view(compute)


@operation(
    bp,
    Operation(
        "/runs/<run_id>/explanation",
        "GET",
        "explain_run",
        "How the scores were computed, and the rules that cost the most points",
        "scores",
        query=models.ExplainQuery,
        response=models.Explanation,
        params=RUN,
    ),
)
def explain_run(run_id: str, query: models.ExplainQuery) -> CachedView:
    return cached_view(
        lambda: explanation_view(
            scores.explain_run(ctx(), run_id, entity=query.entity, top=query.top)
        )
    )


@operation(
    bp,
    Operation(
        "/runs/<run_id>/reconciliation",
        "GET",
        "list_reconciliations",
        "Per mirrored entity: counts, records missing on each side, fields that differ",
        "reconciliation",
        response=models.ReconciliationList,
        params=RUN,
    ),
)
def list_reconciliations(run_id: str) -> CachedView:
    def compute() -> dict[str, Any]:
        found = reconciliation.reconciliations(ctx(), run_id)
        return {"items": [reconciliation_view(r) for r in found]}

    return cached_view(compute)


@operation(
    bp,
    Operation(
        "/runs/<run_id>/reconciliation/<entity>",
        "GET",
        "get_reconciliation",
        "One mirrored entity's reconciliation counts",
        "reconciliation",
        response=models.Reconciliation,
        params=RUN,
    ),
)
def get_reconciliation(run_id: str, entity: str) -> CachedView:
    return cached_view(
        lambda: reconciliation_view(reconciliation.reconciliation(ctx(), run_id, entity))
    )


@operation(
    bp,
    Operation(
        "/runs/<run_id>/reconciliation/<entity>/missing",
        "GET",
        "list_missing",
        "Records absent from one side (vms, or the other system)",
        "reconciliation",
        query=models.MissingQuery,
        response=models.MissingPage,
        errors=(400, 403, 404),
        params=RUN,
    ),
)
def list_missing(run_id: str, entity: str, query: models.MissingQuery) -> CachedView:
    def compute() -> dict[str, Any]:
        page = reconciliation.missing(
            ctx(),
            run_id,
            entity,
            query.side,
            search=query.search,
            cursor=query.cursor,
            limit=query.limit,
        )
        return page_view(page, dict)

    return cached_view(compute)


@operation(
    bp,
    Operation(
        "/runs/<run_id>/reconciliation/<entity>/mismatches",
        "GET",
        "list_mismatches",
        "Records whose field differs, both systems' values side by side",
        "reconciliation",
        query=models.MismatchQuery,
        response=models.MismatchPage,
        errors=(400, 403, 404),
        params=RUN,
    ),
)
def list_mismatches(run_id: str, entity: str, query: models.MismatchQuery) -> CachedView:
    def compute() -> dict[str, Any]:
        page = reconciliation.mismatches(
            ctx(),
            run_id,
            entity,
            query.field,
            search=query.search,
            cursor=query.cursor,
            limit=query.limit,
        )
        return page_view(page, mismatch_view)

    return cached_view(compute)


def _file(chunks: Iterator[bytes], fmt: str, stem: str) -> Response:
    """A streamed download: the first chunk is produced before the headers are sent, so a
    bad request still gets its problem response."""
    first = next(chunks, b"")

    def body() -> Iterator[bytes]:
        yield first
        yield from chunks

    response = Response(stream_with_context(body()), mimetype=MEDIA[fmt])
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in stem)[:150]
    response.headers["Content-Disposition"] = f'attachment; filename="{safe}.{fmt}"'
    return response
