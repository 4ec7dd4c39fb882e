"""The HTTP session under simple-salesforce: counts API calls and routes endpoint overrides.

simple-salesforce always talks to ``https://{domain}.salesforce.com`` and
``https://{instance}``. When ``domain:`` is a URL that is not ``*.salesforce.com`` (a proxy,
or the local fake org of the demo and tests), login traffic is sent there instead, and an
``http://`` endpoint is spoken to over plain HTTP.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import requests

LOGIN_PATHS = ("/services/Soap/u/", "/services/oauth2/token")
SF_SUFFIX = ".salesforce.com"


class CountingSession(requests.Session):
    """A ``requests.Session`` that rewrites URL prefixes and counts requests by kind."""

    def __init__(self, rewrites: list[tuple[str, str]] | None = None, timeout: float = 300) -> None:
        super().__init__()
        self.rewrites = rewrites or []
        self.timeout = timeout  # seconds per request; simple-salesforce sets none
        self.api_calls = 0  # REST and Bulk requests (what Salesforce counts against limits)
        self.logins = 0

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> Any:
        target = url.decode() if isinstance(url, bytes) else url
        for prefix, replacement in self.rewrites:
            if target.startswith(prefix):
                target = replacement + target[len(prefix) :]
                break
        if any(p in urlsplit(target).path for p in LOGIN_PATHS):
            self.logins += 1
        else:
            self.api_calls += 1
        kwargs.setdefault("timeout", self.timeout)
        verb = method.decode() if isinstance(method, bytes) else method
        return super().request(verb, target, *args, **kwargs)


def domain_and_session(domain: str | None, instance_url: str | None) -> tuple[str, CountingSession]:
    """The ``domain`` to give simple-salesforce, and the session that reaches the endpoint."""
    rewrites: list[tuple[str, str]] = []
    sf_domain = domain or "login"
    if domain and "://" in domain:
        parts = urlsplit(domain)
        host = parts.hostname or ""
        if host.endswith(SF_SUFFIX) and parts.scheme == "https" and not parts.port:
            sf_domain = host[: -len(SF_SUFFIX)]
        else:
            base = f"{parts.scheme}://{parts.netloc}"
            rewrites += [(f"https://{d}{SF_SUFFIX}", base) for d in ("login", "test")]
            sf_domain = "login"
            rewrites += _plain_http(base)
    if instance_url:
        rewrites += _plain_http(instance_url)
    return sf_domain, CountingSession(rewrites)


def _plain_http(url: str) -> list[tuple[str, str]]:
    parts = urlsplit(url)
    if parts.scheme != "http":
        return []
    return [(f"https://{parts.netloc}", f"http://{parts.netloc}")]
