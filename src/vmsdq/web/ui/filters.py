"""Template helpers: number formats and the heat-map colour of a score."""

from __future__ import annotations

from typing import Any

from flask import current_app

from vmsdq.web.ui import bp


@bp.app_template_filter("score")
def score(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}"


@bp.app_template_filter("pct")
def pct(value: float | None) -> str:
    return "—" if value is None else f"{100 * value:.1f} %"


@bp.app_template_filter("count")
def count(value: int | None) -> str:
    return "—" if value is None else f"{value:,}"


@bp.app_template_filter("when")
def when(value: Any) -> str:
    if value is None:
        return "—"
    return value.strftime("%Y-%m-%d %H:%M") if hasattr(value, "strftime") else str(value)


@bp.app_template_filter("heat")
def heat(value: float | None) -> str:
    """A light background from red (<= 50) through amber to green (100); text stays dark."""
    if value is None:
        return "background: #eeeeee"
    hue = max(0.0, min(120.0, (value - 50.0) * 2.4))
    return f"background: hsl({hue:.0f}, 75%, 82%)"


@bp.app_context_processor
def _globals() -> dict[str, Any]:
    from vmsdq.web.state import web_state

    return {
        "project_name": web_state().served.name,
        "refresh_seconds": current_app.config["VMSDQ_REFRESH_SECONDS"],
    }


@bp.app_template_filter("urlquery_with")
def urlquery_with(args: Any, name: str, value: str) -> str:
    """The query string of ``args`` with ``name`` set to ``value`` (other cursors kept)."""
    from urllib.parse import urlencode

    items = {k: v for k, v in dict(args).items() if v not in (None, "")}
    items[name] = value
    return urlencode(items)


@bp.app_template_filter("urlquery_without")
def urlquery_without(args: Any, name: str) -> str:
    from urllib.parse import urlencode

    return urlencode({k: v for k, v in dict(args).items() if k != name and v not in (None, "")})
