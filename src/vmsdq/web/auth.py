"""Who is calling: a bearer token, a logged-in session, or (only while the project has no
account and no token at all) the local admin. Login, logout and the password change.

Authentication is decided here, once per request; what an actor may do is decided by the
use cases (``ctx.require``), the same for the API, the pages and the workers.
"""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Flask,
    Response,
    abort,
    current_app,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from werkzeug.wrappers import Response as BaseResponse

from vmsdq.core.errors import ConfigError
from vmsdq.services import accounts, tokens
from vmsdq.services.accounts import LoginFailedError
from vmsdq.services.context import LOCAL, Actor, Context
from vmsdq.services.served import ServedProject
from vmsdq.web.problems import problem
from vmsdq.web.security import bearer, client_ip

bp = Blueprint("auth", __name__)
# Endpoints anyone may reach: the login form, assets, the API's own description, and the
# probes (load balancers send no credentials; Prometheus scrapes /metrics with a viewer token).
PUBLIC = frozenset(
    {
        *("auth.login", "auth.logout", "static", "plotly_js", "swagger", "openapi", "api_docs"),
        *("healthz", "readyz"),  # probes of the load balancer and the orchestrator
    }
)
ACCOUNT = frozenset({"auth.password", "auth.logout"})  # reachable with a one-time password
NO_ACCOUNTS_TTL = 2.0  # seconds
ANONYMOUS = Actor("anonymous", "viewer", tenant="", origin="")  # never member of a tenant


def init_app(app: Flask) -> None:
    state = app.extensions["vmsdq"]
    if app.config.get("VMSDQ_ACTOR") is None:
        state.actor_of = request_actor
    app.register_blueprint(bp)
    limiter = app.extensions["vmsdq_limiter"]
    login_view = app.view_functions["auth.login"]
    app.view_functions["auth.login"] = limiter.limit(
        lambda: str(current_app.config["VMSDQ_LOGIN_LIMITS"]),
        key_func=client_ip,
        scope="login",
        methods=["POST"],
    )(login_view)
    app.before_request(_authenticate)


def request_actor() -> Actor:
    """The actor of this request (``WebState.actor_of``)."""
    found = g.get("vmsdq_actor")
    if found is None:
        found = _resolve()
        g.vmsdq_actor = found
    actor: Actor = found
    return actor


def _service_context(name: str = "web") -> Context:
    """A context for looking up accounts and tokens (not an actor's: no permission held)."""
    served: ServedProject = current_app.extensions["vmsdq"].served
    return served.context(Actor(name[:200], "viewer", tenant=None, origin=client_ip()))


def _accounts_exist() -> bool:
    """Once true, true for the life of the process; "none yet" is asked again after
    ``NO_ACCOUNTS_TTL`` seconds (an account added from the command line ends local mode)."""
    cache: dict[str, Any] = current_app.extensions.setdefault("vmsdq_accounts", {})
    now = time.monotonic()
    if not cache.get("exist") and now - cache.get("checked", -NO_ACCOUNTS_TTL) >= NO_ACCOUNTS_TTL:
        cache["exist"] = accounts.accounts_exist(_service_context())
        cache["checked"] = now
    return bool(cache.get("exist"))


def _resolve() -> Actor:
    token = bearer()
    if token is not None:
        actor = tokens.token_actor(_service_context(), token, client_ip())
        if actor is None:
            abort(_unauthorized("the bearer token is unknown, expired or revoked"))
        return actor
    user_id, epoch = session.get("uid"), session.get("epoch")
    if isinstance(user_id, int) and isinstance(epoch, int):
        actor = accounts.session_actor(_service_context(), user_id, epoch, client_ip())
        if actor is not None:
            return actor
        for key in ("uid", "epoch", "must_change"):  # an ended session: keep its CSRF token
            session.pop(key, None)
    if not _accounts_exist():
        return LOCAL  # a fresh project: nobody has been given an account yet
    return ANONYMOUS


def _authenticate() -> BaseResponse | None:
    """Refuse anonymous requests once accounts exist; send one-time passwords to be changed."""
    if request.endpoint in PUBLIC or request.endpoint is None:
        return None
    actor = request_actor()
    if actor is ANONYMOUS:
        if request.path.startswith("/api/"):
            return _unauthorized("log in or send Authorization: Bearer <token>")
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    if session.get("must_change") and request.endpoint not in ACCOUNT:
        if request.path.startswith("/api/"):
            return problem(403, "forbidden", "change your one-time password first")
        return redirect(url_for("auth.password"))
    return None


def _unauthorized(message: str) -> Response:
    response = problem(401, "unauthorized", message)
    response.headers["WWW-Authenticate"] = 'Bearer realm="vmsdq"'
    return response


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    target = _next(request.values.get("next"))
    if request.method == "GET":
        return render_template("login.html", next=target, error=None)
    username = request.form.get("username", "").strip()[:200]
    password = request.form.get("password", "")[:1000]
    ctx = _service_context(f"login:{username}" if username else "login")
    try:
        user = accounts.authenticate(ctx, username, password)
    except LoginFailedError as exc:
        return render_template("login.html", next=target, error=str(exc), username=username), 401
    session.clear()  # a new session id for the new identity (no fixation)
    session.permanent = True
    session.update(uid=user.id, epoch=user.session_epoch, must_change=user.must_change)
    current_app.extensions.setdefault("vmsdq_accounts", {})["exist"] = True
    accounts.logged_in(_service_context(user.username), user)
    return redirect(url_for("auth.password") if user.must_change else target, code=303)


@bp.post("/logout")
def logout() -> BaseResponse:
    user_id = session.get("uid")
    if isinstance(user_id, int):
        user = accounts.user_by_id(_service_context(), user_id)
        if user is not None:
            accounts.logged_out(_service_context(user.username), user.username)
    session.clear()
    return redirect(url_for("auth.login"), code=303)


@bp.route("/account/password", methods=["GET", "POST"])
def password() -> Any:
    actor = request_actor()
    user_id = session.get("uid")
    if not isinstance(user_id, int):
        return redirect(url_for("auth.login"))
    forced = bool(session.get("must_change"))
    if request.method == "GET":
        return render_template("password.html", forced=forced, error=None)
    new, again = request.form.get("new", ""), request.form.get("again", "")
    try:
        if new != again:
            raise ConfigError("the two new passwords differ")
        user = accounts.change_password(
            _service_context(actor.name), actor.name, request.form.get("current", ""), new
        )
    except (ConfigError, LoginFailedError) as exc:
        return render_template("password.html", forced=forced, error=str(exc)), 400
    session.update(epoch=user.session_epoch, must_change=False)
    return redirect(url_for("ui.overview"), code=303)


def _next(value: str | None) -> str:
    """Only a path on this site (no scheme, no host, no ``//``): no open redirect."""
    fallback = url_for("ui.overview")
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return fallback
    parts = urlsplit(value)
    return value if not parts.scheme and not parts.netloc else fallback
