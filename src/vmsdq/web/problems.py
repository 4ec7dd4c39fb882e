"""One error shape for the API (``application/problem+json``: code, message, the offending
field) and plain error pages for the dashboard. Never a stack trace to a client."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from vmsdq.core.errors import (
    ConfigError,
    ConfigErrors,
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    TransientError,
    VmsdqError,
)

log = logging.getLogger("vmsdq.web")

# error class -> (status, code); the first match wins
STATUSES: list[tuple[type[BaseException], int, str]] = [
    (NotFoundError, 404, "not_found"),
    (PermissionDeniedError, 403, "forbidden"),
    (ConflictError, 409, "conflict"),
    (ConfigErrors, 400, "invalid"),
    (ConfigError, 400, "invalid"),
    (TransientError, 503, "unavailable"),
    (VmsdqError, 400, "invalid"),
]


class RequestError(ConfigError):
    """A request parameter or body that does not validate; ``field`` names it."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


def problem(status: int, code: str, message: str, field: str | None = None) -> Response:
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": _title(status),
        "status": status,
        "code": code,
        "message": message,
        "field": field,
    }
    response = jsonify(body)
    response.status_code = status
    response.mimetype = "application/problem+json"
    return response


def register(app: Flask) -> None:
    """Error handlers for vmsdq errors, HTTP errors and anything unexpected."""
    app.register_error_handler(VmsdqError, _vmsdq_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(OverflowError, _out_of_range)
    app.register_error_handler(Exception, _unexpected)


def _is_api() -> bool:
    return request.path.startswith("/api/")


def _vmsdq_error(exc: VmsdqError) -> Response | tuple[str, int]:
    status, code = next((s, c) for cls, s, c in STATUSES if isinstance(exc, cls))
    field = exc.field if isinstance(exc, RequestError) else None
    if status >= 500:
        log.warning("%s %s: %s", request.method, request.path, exc)
    return _render(status, code, str(exc), field)


def _http_error(exc: HTTPException) -> Response | tuple[str, int]:
    status = exc.code or 500
    code = {404: "not_found", 405: "method_not_allowed"}.get(status, "http_error")
    return _render(status, code, exc.description or _title(status), None)


def _out_of_range(exc: OverflowError) -> Response | tuple[str, int]:
    """A number from the request (a path part, or inside a cursor) too large for the store."""
    return _render(400, "invalid", "a number in the request is out of range", None)


def _unexpected(exc: Exception) -> Response | tuple[str, int]:
    log.exception("unexpected error on %s %s", request.method, request.path)
    message = "an unexpected error occurred; the server log has the details"
    return _render(500, "internal", message, None)


def _render(status: int, code: str, message: str, field: str | None) -> Response | tuple[str, int]:
    if _is_api():
        return problem(status, code, message, field)
    page = render_template("error.html", status=status, title=_title(status), message=message)
    return page, status


def _title(status: int) -> str:
    from http import HTTPStatus

    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"
