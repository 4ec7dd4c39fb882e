"""Read-only pages: overview, entity, rule, reconciliation, rules catalogue."""

from __future__ import annotations

from flask import request

from vmsdq.core.words import Dimension, Severity
from vmsdq.services import catalog, dashboard, failures, reconciliation
from vmsdq.services.history import Series
from vmsdq.web.reads import cached_page, render_page
from vmsdq.web.state import ctx
from vmsdq.web.ui import bp, charts

PAGE_ROWS = 25


@bp.get("/")
def overview() -> str:
    return cached_page(_overview)


def _overview() -> str:
    o = dashboard.overview(ctx())
    dims = [str(d) for d in Dimension]
    trend = charts.trend(
        [Series("overall", o.trend)], "Overall score, last 90 days", target=o.target
    )
    return render_page("overview.html", o=o, dims=dims, trend=trend)


@bp.get("/entities/<entity>")
def entity(entity: str) -> str:
    return cached_page(lambda: _entity(entity))


def _entity(entity: str) -> str:
    e = dashboard.entity_overview(ctx(), entity)
    dimension = request.args.get("dimension") or None
    severity = request.args.get("severity") or None
    max_score = _float(request.args.get("max_score"))
    rows = [
        r
        for r in e.rules
        if dimension in (None, r.info.dimension)
        and severity in (None, r.info.severity)
        and (max_score is None or (r.score is not None and (r.score.score or 0) <= max_score))
    ]
    scored = e.scores.entities.get(entity) if e.scores else None
    dim_scores = {str(d): s.score for d, s in scored.dimensions.items()} if scored else {}
    breakdown = charts.bars(list(dim_scores), list(dim_scores.values()), "Score per dimension")
    trend = charts.trend(e.series, "Trend per dimension", target=e.target)
    return render_page(
        "entity.html",
        e=e,
        scored=scored,
        dim_scores=dim_scores,
        rows=rows,
        breakdown=breakdown,
        trend=trend,
        dimensions=[str(d) for d in Dimension],
        severities=[str(s) for s in Severity],
        chosen={"dimension": dimension, "severity": severity, "max_score": max_score},
    )


@bp.get("/rules/<rule>")
def rule(rule: str) -> str:
    return cached_page(lambda: _rule(rule))


def _rule(rule: str) -> str:
    context = ctx()
    r = dashboard.rule_overview(context, rule)
    search = request.args.get("q") or None
    sort = request.args.get("sort", "key")
    order = request.args.get("order", "asc")
    cursor = request.args.get("cursor") or None
    page = None
    rows = context.actor.may("read_rows")  # a viewer sees the rule without its rows
    if r.latest is not None and r.result is not None and rows:
        page = failures.list_failures(
            context,
            r.latest.run_id,
            rule=rule,
            search=search,
            sort=sort,
            descending=order == "desc",
            cursor=cursor,
            limit=PAGE_ROWS,
        )
    history_chart = charts.failures(r.series[0], "History") if r.series else None
    columns = sorted({k for f in page.items for k in f.values}) if page else []
    return render_page(
        "rule.html",
        r=r,
        page=page,
        columns=columns,
        history_chart=history_chart,
        args={"q": search or "", "sort": sort, "order": order, "cursor": cursor},
    )


@bp.get("/reconciliation")
def reconciliations() -> str:
    return cached_page(_reconciliations)


def _reconciliations() -> str:
    found = reconciliation.reconciliations(ctx())
    return render_page("reconciliations.html", items=found)


@bp.get("/reconciliation/<entity>")
def reconciliation_page(entity: str) -> str:
    return cached_page(lambda: _reconciliation_page(entity))


def _reconciliation_page(entity: str) -> str:
    context = ctx()
    rec = reconciliation.reconciliation(context, "latest", entity)
    fields = [f for f in rec.fields]
    worst = max(fields, key=lambda f: f.mismatched).field if fields else None
    field = request.args.get("field") or worst
    args = request.args
    mismatches = (
        reconciliation.mismatches(
            context, rec.run_id, entity, field, cursor=args.get("mcursor"), limit=PAGE_ROWS
        )
        if field
        else None
    )
    ours = reconciliation.missing(
        context, rec.run_id, entity, rec.system, cursor=args.get("ocursor"), limit=PAGE_ROWS
    )
    theirs = reconciliation.missing(
        context, rec.run_id, entity, "vms", cursor=args.get("tcursor"), limit=PAGE_ROWS
    )
    return render_page(
        "reconciliation.html",
        rec=rec,
        field=field,
        mismatches=mismatches,
        ours=ours,
        theirs=theirs,
        args=dict(args),
    )


@bp.get("/rules")
def rules() -> str:
    return cached_page(_rules)


def _rules() -> str:
    args = {k: request.args.get(k) or None for k in ("entity", "dimension", "severity", "q")}
    found = catalog.list_rules(
        ctx(),
        entity=args["entity"],
        dimension=args["dimension"],
        severity=args["severity"],
        search=args["q"],
    )
    return render_page(
        "rules.html",
        rules=found,
        args=args,
        entities=list(ctx().project.entities),
        dimensions=[str(d) for d in Dimension],
        severities=[str(s) for s in Severity],
    )


def _float(value: str | None) -> float | None:
    try:
        return float(value) if value else None
    except ValueError:
        return None
