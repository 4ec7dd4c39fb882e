"""Where to log in, and the HTTP session under simple-salesforce.

simple-salesforce always talks to ``https://{domain}.salesforce.com`` and
``https://{instance}``. ``domain:`` may be ``login``, ``test``, a My Domain
(``acme.my.salesforce.com``, with or without ``https://``) or the URL of a proxy or of the
local fake org; login traffic is then sent there, and an ``http://`` endpoint is spoken to
over plain HTTP. The session counts API calls and keeps the last ``Sforce-Limit-Info``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import requests

from vmsdq.sources.salesforce.errors import SalesforceConfigError

LOGIN_PATHS = ("/services/Soap/u/", "/services/oauth2/token")
SF_SUFFIX = ".salesforce.com"
PROXY_DOMAIN = "proxy.my"  # the My Domain name given to simple-salesforce behind a proxy


class CountingSession(requests.Session):
    """A ``requests.Session`` that routes URLs and counts requests by kind."""

    def __init__(self, proxy: str | None = None, plain: tuple[str, ...] = (), timeout: float = 300):
        super().__init__()
        self.proxy = proxy  # base URL that receives every *.salesforce.com login request
        self.plain = plain  # hosts (netloc) spoken to over http://
        self.timeout = timeout  # seconds per request; simple-salesforce sets none
        self.api_calls = 0  # REST and Bulk requests (what Salesforce counts against limits)
        self.logins = 0
        self.limit_info: str | None = None  # last Sforce-Limit-Info, e.g. api-usage=18/5000

    def route(self, url: str) -> str:
        parts = urlsplit(url)
        is_login = any(p in parts.path for p in LOGIN_PATHS)
        host = parts.hostname or ""
        if self.proxy and is_login and host.endswith(SF_SUFFIX):
            return self.proxy + url[len(f"{parts.scheme}://{parts.netloc}") :]
        if parts.scheme == "https" and parts.netloc in self.plain:
            return "http" + url[len("https") :]
        return url

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> Any:
        target = self.route(url.decode() if isinstance(url, bytes) else url)
        if any(p in urlsplit(target).path for p in LOGIN_PATHS):
            self.logins += 1
        else:
            self.api_calls += 1
        kwargs.setdefault("timeout", self.timeout)
        verb = method.decode() if isinstance(method, bytes) else method
        response = super().request(verb, target, *args, **kwargs)
        self.limit_info = response.headers.get("Sforce-Limit-Info") or self.limit_info
        return response


@dataclass(frozen=True)
class Endpoint:
    """``domain`` as simple-salesforce wants it (``login``, ``test``, ``acme.my``)."""

    domain: str
    proxy: str | None = None

    @property
    def sandbox(self) -> bool:
        return self.domain == "test" or ".sandbox.my" in self.domain


def endpoint_of(source: str, domain: str | None) -> Endpoint:
    """Parse ``domain:``; a Lightning UI host or any other host is refused with the fix."""
    text = (domain or "login").strip().rstrip("/")
    parts = urlsplit(text if "://" in text else f"https://{text}")
    host = (parts.hostname or "").lower()
    if host.endswith(".lightning.force.com"):
        name = host.split(".")[0]
        raise SalesforceConfigError(
            f"source '{source}': domain '{domain}' is the Lightning UI address; use the My "
            f"Domain login address instead, e.g. {name}.my.salesforce.com"
        )
    if "://" in text and not (host.endswith(SF_SUFFIX) and parts.scheme == "https"):
        return Endpoint("login", proxy=f"{parts.scheme}://{parts.netloc}")
    if host.endswith(SF_SUFFIX) and not parts.port:
        return Endpoint(host[: -len(SF_SUFFIX)])
    if host in ("login", "test") or host.endswith(".my"):
        return Endpoint(host)
    raise SalesforceConfigError(
        f"source '{source}': domain '{domain}' is not a Salesforce login address; use login, "
        "test, your My Domain (acme.my.salesforce.com) or a URL"
    )


def make_session(endpoint: Endpoint, instance_url: str | None) -> CountingSession:
    """The session that reaches ``endpoint`` (and an ``http://`` instance, for the fake org)."""
    plain = tuple(
        urlsplit(url).netloc
        for url in (endpoint.proxy, instance_url)
        if url and urlsplit(url).scheme == "http"
    )
    return CountingSession(endpoint.proxy, plain)
