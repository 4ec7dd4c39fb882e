"""Web hardening in one place: the session secret and cookie flags, CSRF on every state-
changing request made with a session, rate limits, security headers, form limits.

Registered by ``init_app`` from ``create_app``; the accounts and login live in ``auth``.
Behind TLS (``VMSDQ_TLS=1``, or a request that arrived over HTTPS) cookies are ``Secure``
and responses carry HSTS.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from pathlib import Path
from typing import Any

from flask import Flask, Response, current_app, request
from flask_limiter import Limit, Limiter
from flask_wtf.csrf import CSRFError, CSRFProtect

from vmsdq.web.problems import problem

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; font-src 'self'; connect-src 'self'; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
DEFAULTS: dict[str, Any] = {
    "VMSDQ_TLS": os.environ.get("VMSDQ_TLS", "").lower() in ("1", "true", "yes"),
    # per IP and, separately, per API token; "off" disables (benchmarks)
    "VMSDQ_RATE_LIMITS": os.environ.get("VMSDQ_RATE_LIMITS", "3000 per minute"),
    "VMSDQ_LOGIN_LIMITS": os.environ.get("VMSDQ_LOGIN_LIMITS", "10 per minute"),
    "VMSDQ_RATELIMIT_STORAGE": os.environ.get("VMSDQ_RATELIMIT_STORAGE"),  # default: Redis
}
FORCED: dict[str, Any] = {  # Flask has defaults of its own for these: ours replace them
    "SESSION_COOKIE_NAME": "vmsdq_session",
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "PERMANENT_SESSION_LIFETIME": 8 * 3600,
    "WTF_CSRF_CHECK_DEFAULT": False,  # checked in ``_csrf`` (bearer requests are exempt)
    "WTF_CSRF_TIME_LIMIT": None,  # the token lives as long as the session
    "MAX_FORM_PARTS": 200,
    "MAX_FORM_MEMORY_SIZE": 200_000,
}
UNSAFE = ("POST", "PUT", "PATCH", "DELETE")
csrf = CSRFProtect()


def init_app(app: Flask) -> None:
    for key, value in DEFAULTS.items():
        app.config.setdefault(key, value)
    app.config.update(FORCED)
    app.config["SESSION_COOKIE_SECURE"] = bool(app.config["VMSDQ_TLS"])
    app.config["WTF_CSRF_SSL_STRICT"] = bool(app.config["VMSDQ_TLS"])
    app.secret_key = app.config.get("SECRET_KEY") or _secret_key(app)
    csrf.init_app(app)
    app.before_request(_csrf)
    app.register_error_handler(CSRFError, _csrf_error)
    app.extensions["vmsdq_limiter"] = _limiter(app)
    app.after_request(_headers)


def bearer() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def client_ip() -> str:
    return request.remote_addr or "unknown"


def _secret_key(app: Flask) -> str:
    """``$VMSDQ_SECRET_KEY``, else one kept (owner-only) in the project's .vmsdq folder so
    every worker process of one deployment signs sessions alike."""
    from_env = os.environ.get("VMSDQ_SECRET_KEY")
    if from_env:
        return from_env
    path = Path(app.config["VMSDQ_PROJECT"]) / ".vmsdq" / "secret_key"
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text(encoding="utf-8").strip()
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        key = secrets.token_hex(32)
        handle.write(key)
    return key


def _csrf() -> None:
    """Every state-changing request riding on a session cookie carries the CSRF token (form
    field ``csrf_token`` or header ``X-CSRFToken``); bearer-token calls have no ambient
    credentials and are exempt."""
    if request.method in UNSAFE and bearer() is None:
        csrf.protect()


def _csrf_error(exc: CSRFError) -> Response | tuple[str, int]:
    if request.path.startswith("/api/"):
        return problem(400, "csrf", f"CSRF check failed: {exc.description}")
    from flask import render_template

    page = render_template("error.html", status=400, title="Bad Request", message=exc.description)
    return page, 400


def _limiter(app: Flask) -> Limiter:
    limits = str(app.config["VMSDQ_RATE_LIMITS"] or "off")
    enabled = limits.lower() != "off"
    storage = app.config["VMSDQ_RATELIMIT_STORAGE"] or _redis(app) or "memory://"
    return Limiter(
        _ip_key,
        app=app,
        default_limits=[
            Limit(limits, key_function=_ip_key, scope="ip", exempt_when=_exempt),
            Limit(limits, key_function=_token_key, scope="token", exempt_when=_no_token),
        ],
        storage_uri=storage,
        headers_enabled=True,
        strategy="moving-window",
        swallow_errors=True,  # Redis down: serve without limits (logged) rather than fail
        in_memory_fallback_enabled=True,
        key_prefix="vmsdq",
        enabled=enabled,
    )


def login_limit() -> Limit:
    """The separate, tighter limit of login attempts (per IP)."""
    return Limit(
        lambda: str(current_app.config["VMSDQ_LOGIN_LIMITS"]),
        key_function=_ip_key,
        scope="login",
        methods=["POST"],
    )


def _redis(app: Flask) -> str | None:
    from vmsdq.services.jobconfig import job_settings

    return job_settings(app.extensions["vmsdq"].served.project).redis


def _ip_key() -> str:
    return client_ip()


def _token_key() -> str:
    token = bearer() or ""
    return hashlib.sha256(token.encode()).hexdigest()[:32]  # never the token itself


def _no_token() -> bool:
    return bearer() is None or _exempt()


def _exempt() -> bool:
    return request.endpoint in ("static", "plotly_js", "swagger")


def _headers(response: Response) -> Response:
    h = response.headers
    h.setdefault("Content-Security-Policy", CSP)
    h.setdefault("X-Frame-Options", "DENY")
    h.setdefault("X-Content-Type-Options", "nosniff")
    h.setdefault("Referrer-Policy", "same-origin")
    h.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    h.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    if current_app.config["VMSDQ_TLS"] or request.is_secure:
        h.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    if _personal(request.path):
        h["Cache-Control"] = "no-store"
    return response


def _personal(path: str) -> bool:
    """Responses that may hold row-level personal data are never cached."""
    return any(part in path for part in ("/failures", "/missing", "/mismatches", "/audit"))
