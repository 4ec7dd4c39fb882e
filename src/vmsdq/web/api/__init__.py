"""The REST API under ``/api/v1`` (blueprint ``api``); its OpenAPI document is generated
from the operations declared in its modules (see ``spec``)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("api", __name__)


def _register() -> None:
    # One import per module; each declares its operations on ``bp``.
    from vmsdq.web.api import (
        alerts,  # noqa: F401
        analytics,  # noqa: F401
        audit,  # noqa: F401
        catalog,  # noqa: F401
        results,  # noqa: F401
        runs,  # noqa: F401
        settings,  # noqa: F401
        webhooks,  # noqa: F401
    )


_register()
