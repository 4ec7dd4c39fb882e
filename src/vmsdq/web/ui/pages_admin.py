"""Pages that change things: runs (start, live progress), settings, the rule editor."""

from __future__ import annotations

from flask import redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from vmsdq.services import catalog, config_diff, runs, settings
from vmsdq.web.state import ctx, web_state
from vmsdq.web.ui import bp


@bp.get("/runs")
def runs_page() -> str:
    context = ctx()
    page = runs.list_runs(context, cursor=request.args.get("cursor") or None, limit=25)
    active = [r for r in page.items if r.status in ("queued", "running")]
    return render_template(
        "runs.html", page=page, active=active, entities=list(context.project.entities)
    )


@bp.post("/runs")
def start_run() -> Response:
    """The form without JavaScript: start, hand to the executor, back to the runs page."""
    chosen = request.form.getlist("entity") or None
    run_id = runs.start_run(ctx(), entities=chosen)
    web_state().submit(run_id)
    return redirect(url_for("ui.runs_page", started=run_id), code=303)


@bp.get("/settings")
def settings_page() -> str:
    context = ctx()
    current = settings.in_force(context)
    versions = settings.history(context)
    before = _int(request.args.get("before"))
    after = _int(request.args.get("after"))
    diff = config_diff.diff_versions(context, before, after) if len(versions) > 1 else None
    return render_template(
        "settings.html",
        current=current,
        pairs=settings.as_pairs(current),
        versions=versions,
        diff=diff,
    )


@bp.get("/entities/<entity>/edit")
def editor(entity: str) -> str:
    context = ctx()
    info = catalog.get_entity(context, entity)
    return render_template("editor.html", info=info, text=catalog.entity_source(context, entity))


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None
