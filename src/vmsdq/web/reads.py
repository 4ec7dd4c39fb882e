"""Cached reads of the API and the dashboard (``services.cache``): Redis when the deployment
has one (``jobs.cache`` / ``$VMSDQ_CACHE_URL``, else the broker's Redis), in-process otherwise.

A read is keyed by its path and query, the caller's role and the version of the stored
results (read once per request), so a new run, a run's progress or a settings change shows
at once. The permission is checked before the look-up: a hit never skips it.
``VMSDQ_READ_CACHE=off`` (app config or environment) turns caching off (benchmarks of cold
reads).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any, TypeVar

from flask import Response, current_app, g, render_template, request, session

from vmsdq.services import cache
from vmsdq.services.jobconfig import job_settings
from vmsdq.web.state import ctx, web_state

T = TypeVar("T")
EXTENSION = "vmsdq.read_cache"
OFF = ("off", "none", "0", "false")


def read_cache() -> cache.Cache:
    """The app's cache of reads, chosen on first use."""
    found: cache.Cache | None = current_app.extensions.get(EXTENSION)
    if found is None:
        setting = current_app.config.get("VMSDQ_READ_CACHE", os.environ.get("VMSDQ_READ_CACHE"))
        if str(setting or "").strip().lower() in OFF:
            found = cache.NullCache()
        else:
            found = cache.cache_for(job_settings(web_state().served.project).cache)
        current_app.extensions[EXTENSION] = found
    return found


def cached_read(compute: Callable[[], T], *, permission: str = "read") -> T:
    """``compute()`` (JSON-able: a view, or a page's HTML) for this request's path and query,
    from the cache while nothing it depends on changed."""
    return cache.cached(ctx(), read_cache(), compute=compute, **_where(permission))


CSRF_MARK = "\x00vmsdq-csrf-token\x00"  # rendered in place of the session's CSRF token


def cached_page(compute: Callable[[], str]) -> str:
    """A page's HTML for this request's path and query, from the cache while nothing it
    depends on changed. What belongs to the session is never shared: the page is rendered
    with ``CSRF_MARK`` for the CSRF token (``render_page``) and this session's token is put
    in after the look-up; being logged in or not and the template globals (the degraded
    banner...) are part of the key."""
    shown: dict[str, Any] = {}
    current_app.update_template_context(shown)
    varying = {k: _plain(v) for k, v in shown.items() if k not in ("request", "session", "g")}
    varying = {k: v for k, v in varying.items() if v is not None}
    varying["logged in"] = bool(session.get("uid"))
    where = _where("read")
    where["params"]["page"] = varying
    html = cache.cached(ctx(), read_cache(), compute=compute, **where)
    if CSRF_MARK in html:
        html = html.replace(CSRF_MARK, str(current_app.jinja_env.globals["csrf_token"]()))  # type: ignore[operator]
    return html


def render_page(template: str, **context: Any) -> str:
    """``render_template`` for a cached page: the CSRF token left as ``CSRF_MARK``."""
    return render_template(template, csrf_token=lambda: CSRF_MARK, **context)


def _plain(value: Any) -> Any:
    """A template global as a part of a key (objects by their ``name``); None: not one."""
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    if isinstance(value, list | tuple | set | frozenset):
        return sorted(str(getattr(v, "name", v)) for v in value)
    return None


def cached_view(compute: Callable[[], Any], *, permission: str = "read") -> CachedView:
    """As :func:`cached_read` for an API view: the JSON text as the response body (a hit is
    sent as stored, not decoded and encoded again)."""
    body = cache.cached_json(ctx(), read_cache(), compute=compute, **_where(permission))
    return CachedView(body, mimetype="application/json")


class CachedView(Response):
    """A view's JSON served by the read cache (``spec.operation`` checks it like a view)."""


def _where(permission: str) -> dict[str, Any]:
    context = ctx()
    context.require(permission)
    if "vmsdq_version" not in g:
        g.vmsdq_version = cache.version(context)
    return {
        "resource": request.endpoint or request.path,
        "params": {"path": request.path, "args": sorted(request.args.items(multi=True))},
        "permission": permission,
        "at": g.vmsdq_version,
    }
