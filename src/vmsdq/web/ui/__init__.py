"""The dashboard (blueprint ``ui``): server-rendered pages with Plotly charts."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("ui", __name__)


def _register() -> None:
    from vmsdq.web.ui import (  # noqa: F401
        filters,
        monitoring,
        pages,
        pages_admin,
        pages_security,
    )


_register()
