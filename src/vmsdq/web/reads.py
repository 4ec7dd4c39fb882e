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
from typing import TypeVar

from flask import current_app, g, request

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
    context = ctx()
    context.require(permission)
    if "vmsdq_version" not in g:
        g.vmsdq_version = cache.version(context)
    params = {"path": request.path, "args": sorted(request.args.items(multi=True))}
    resource = request.endpoint or request.path
    return cache.cached(
        context,
        read_cache(),
        resource,
        compute,
        params=params,
        permission=permission,
        at=g.vmsdq_version,
    )
