"""The audit log page (admins): newest entries first, paged, with the chain's state."""

from __future__ import annotations

from typing import Any

from flask import render_template, request

from vmsdq.services import audit
from vmsdq.web.state import ctx, web_state
from vmsdq.web.ui import bp

PAGE_ROWS = 100


@bp.get("/audit")
def audit_page() -> str:
    context = ctx()
    action = request.args.get("action") or None
    page = audit.entries(
        context, cursor=request.args.get("cursor") or None, limit=PAGE_ROWS, action=action
    )
    return render_template(
        "audit.html", page=page, report=audit.verify(context), action=action, args=request.args
    )


@bp.app_context_processor
def _actor() -> dict[str, Any]:
    """``is_admin`` for the account menu (a link to the audit log)."""

    def is_admin() -> bool:
        try:
            return web_state().actor_of().may("admin")
        except Exception:  # no actor for this request (an error page): no link
            return False

    return {"is_admin": is_admin}
