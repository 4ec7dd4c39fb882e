"""HTTP for the client: urllib3 with retries (connection errors, 502/503/504 and 429, with
exponential backoff and Retry-After) and problem+json answers turned into exceptions."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote, urlencode

import urllib3
from urllib3.util import Retry

from vmsdq.client.errors import BY_STATUS, ApiError, TransportError

IDEMPOTENT = frozenset({"GET", "PUT", "DELETE", "HEAD", "OPTIONS"})


def default_retry(total: int = 3, backoff: float = 0.5) -> Retry:
    """Retry reads and idempotent writes on connection errors and 429/502/503/504."""
    return Retry(
        total=total,
        connect=total,
        read=total,
        status=total,
        backoff_factor=backoff,
        status_forcelist=(429, 502, 503, 504),
        allowed_methods=IDEMPOTENT,
        respect_retry_after_header=True,
        raise_on_status=False,
    )


def path(template: str, **params: str | int) -> str:
    """``/runs/{run_id}`` with each parameter quoted (a slash in an id stays inside it)."""
    return template.format(**{k: quote(str(v), safe="") for k, v in params.items()})


class Transport:
    def __init__(
        self,
        base_url: str,
        *,
        token: str | None = None,
        timeout: float = 30.0,
        retry: Retry | None = None,
        pool: urllib3.PoolManager | None = None,
    ) -> None:
        self.base = base_url.rstrip("/") + "/api/v1"
        self.headers = {"Accept": "application/json", "User-Agent": "vmsdq-client/1"}
        if token:
            self.headers["Authorization"] = f"Bearer {token}"
        self.timeout = urllib3.Timeout(total=timeout)
        self.pool = pool or urllib3.PoolManager(retries=retry or default_retry())

    def request(
        self,
        method: str,
        route: str,
        *,
        query: dict[str, Any] | None = None,
        body: dict[str, Any] | None = None,
    ) -> urllib3.BaseHTTPResponse:
        url = self.base + route + _query(query)
        headers = dict(self.headers)
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        try:
            reply = self.pool.request(
                method, url, body=data, headers=headers, timeout=self.timeout, redirect=False
            )
        except urllib3.exceptions.HTTPError as exc:
            raise TransportError(f"{method} {url}: {exc}") from None
        if reply.status >= 400:
            raise _problem(reply)
        return reply

    def json(self, method: str, route: str, **kwargs: Any) -> Any:
        return self.request(method, route, **kwargs).json()

    def close(self) -> None:
        self.pool.clear()


def _query(values: dict[str, Any] | None) -> str:
    if not values:
        return ""
    pairs: list[tuple[str, str]] = []
    for key, value in values.items():
        if value is None:
            continue
        for item in value if isinstance(value, list | tuple) else [value]:
            pairs.append((key, _text(item)))
    return "?" + urlencode(pairs) if pairs else ""


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if hasattr(value, "isoformat"):
        return str(value.isoformat())
    return str(value)


def _problem(reply: urllib3.BaseHTTPResponse) -> ApiError:
    cls = BY_STATUS.get(reply.status, ApiError)
    try:
        found = json.loads(reply.data)
        return cls(reply.status, found.get("code", "error"), found["message"], found.get("field"))
    except (ValueError, KeyError, TypeError, AttributeError):
        text = reply.data[:200].decode("utf-8", "replace")
        return cls(reply.status, "error", text or f"HTTP {reply.status}")
