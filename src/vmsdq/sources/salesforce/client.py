"""A logged-in Salesforce connection with re-authentication and bounded retries.

Every API request goes through :meth:`SalesforceClient.call`: an expired session
(``401 INVALID_SESSION_ID``) triggers one fresh login and one retry; ``REQUEST_LIMIT_EXCEEDED``,
5xx, network errors, broken or undecodable downloads and non-JSON answers are retried with
exponential backoff (tenacity) up to ``max_attempts``; anything else is terminal.
``describe(object)`` is cached for the life of the client (one run).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar, cast

import requests
from tenacity import Retrying, retry_if_exception_type, stop_after_attempt, wait_exponential

from vmsdq.sources.salesforce.auth import failure_hint, login
from vmsdq.sources.salesforce.credentials import Credentials
from vmsdq.sources.salesforce.describe import ObjectInfo
from vmsdq.sources.salesforce.errors import (
    SalesforceAuthError,
    SalesforceQueryError,
    SalesforceUnavailableError,
    redact,
)
from vmsdq.sources.salesforce.session import endpoint_of, make_session

if TYPE_CHECKING:
    from simple_salesforce.api import Salesforce

    from vmsdq.spec.models import SalesforceSourceSpec

T = TypeVar("T")


@dataclass(frozen=True)
class RetryPolicy:
    """Bounded retries: ``max_attempts`` tries, waits ``backoff * 2**n`` up to ``max_wait`` s."""

    max_attempts: int = 5
    backoff: float = 1.0
    max_wait: float = 30.0


RETRYABLE_NETWORK = (
    requests.ConnectionError,
    requests.Timeout,
    requests.exceptions.ChunkedEncodingError,  # a long download broken mid-stream
    requests.exceptions.ContentDecodingError,  # a compressed body that does not decompress
)


class Retryable(Exception):
    """Raised inside a call to have it retried (a broken transfer, a short page)."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class SalesforceClient:
    """One authenticated connection for a source; ``api_calls`` counts requests made."""

    def __init__(
        self,
        source: str,
        spec: SalesforceSourceSpec,
        credentials: Credentials,
        retry: RetryPolicy | None = None,
    ) -> None:
        self.source, self.spec, self.credentials = source, spec, credentials
        self.retry = retry or RetryPolicy()
        self.endpoint = endpoint_of(source, spec.domain)
        self.session = make_session(self.endpoint, credentials.instance_url)
        self._sf: Salesforce | None = None
        self._described: dict[str, ObjectInfo] = {}
        self._lock = threading.Lock()  # one login at a time when entities are read in threads

    @property
    def api_calls(self) -> int:
        return self.session.api_calls

    @property
    def logins(self) -> int:
        return self.session.logins

    @property
    def sf(self) -> Salesforce:
        with self._lock:
            if self._sf is None:
                self._sf = self._login()
            return self._sf

    def describe(self, obj: str, what: str) -> ObjectInfo:
        """``describe()`` of ``obj`` (fields visible to this user), once per client."""
        key = obj.lower()
        if key not in self._described:
            body = self.call(
                f"{what}: describe {obj}", lambda sf: sf.restful(f"sobjects/{obj}/describe")
            )
            self._described[key] = ObjectInfo.parse(body if isinstance(body, dict) else {})
        return self._described[key]

    def call(self, what: str, fn: Callable[[Salesforce], T]) -> T:
        """Run one API request ``fn`` with re-authentication and retries; ``what`` names it."""
        retrying = Retrying(
            stop=stop_after_attempt(self.retry.max_attempts),
            wait=wait_exponential(multiplier=self.retry.backoff, max=self.retry.max_wait),
            retry=retry_if_exception_type(Retryable),
            reraise=True,
        )
        try:
            return cast(T, retrying(self._with_reauth, what, fn))
        except Retryable as exc:
            raise SalesforceUnavailableError(
                f"{what}: Salesforce kept failing after {self.retry.max_attempts} attempts: "
                f"{self._safe(exc.detail)}"
            ) from None

    def _with_reauth(self, what: str, fn: Callable[[Salesforce], T]) -> T:
        from simple_salesforce.exceptions import SalesforceExpiredSession

        try:
            return self._classified(what, fn)
        except SalesforceExpiredSession:
            if self.spec.auth == "session":
                raise SalesforceAuthError(
                    f"{what}: the session id was rejected (INVALID_SESSION_ID) and auth "
                    "'session' cannot log in again; provide a fresh session id"
                ) from None
            with self._lock:
                self._sf = self._login()
        try:
            return self._classified(what, fn)
        except SalesforceExpiredSession:
            raise SalesforceAuthError(
                f"{what}: Salesforce rejected the session right after a fresh login "
                "(INVALID_SESSION_ID)"
            ) from None

    def _classified(self, what: str, fn: Callable[[Salesforce], T]) -> T:
        from simple_salesforce.exceptions import (
            SalesforceError,
            SalesforceExpiredSession,
            SalesforceRefusedRequest,
        )

        try:
            return fn(self.sf)
        except SalesforceExpiredSession:
            raise
        except SalesforceRefusedRequest as exc:
            code, message = error_of(exc.content)
            if code == "REQUEST_LIMIT_EXCEEDED":
                raise Retryable(f"403 {code}: {message}") from None
            raise SalesforceQueryError(f"{what}: 403 {code}: {self._safe(message)}") from None
        except SalesforceError as exc:
            code, message = error_of(exc.content)
            if exc.status >= 500:
                raise Retryable(f"{exc.status} {code}: {message}") from None
            raise SalesforceQueryError(
                f"{what}: {exc.status} {code}: {self._safe(message)}"
            ) from None
        except requests.JSONDecodeError:  # a 200 that is not JSON: a proxy or maintenance page
            raise Retryable("the answer is not JSON") from None
        except RETRYABLE_NETWORK as exc:
            raise Retryable(f"network error: {type(exc).__name__}") from None

    def _login(self) -> Salesforce:
        from simple_salesforce.api import Salesforce
        from simple_salesforce.exceptions import SalesforceAuthenticationFailed
        from simple_salesforce.login import SalesforceLogin

        creds, version = self.credentials, self.spec.api_version
        if self.spec.auth == "session":
            return Salesforce(
                session_id=creds.session_id,
                instance_url=creds.instance_url,
                version=version,
                session=self.session,
            )
        try:
            sid, instance = login(
                self.source, self.spec, creds, self.session, self.endpoint, SalesforceLogin
            )
        except SalesforceAuthenticationFailed as exc:
            message = str(exc.auth_message)
            raise SalesforceAuthError(
                f"source '{self.source}': Salesforce login ({self.spec.auth}) failed: "
                f"{self._safe(exc.code)}: {self._safe(message)}" + failure_hint(self.spec, message)
            ) from None
        except RETRYABLE_NETWORK as exc:
            raise Retryable(f"login: network error: {type(exc).__name__}") from None
        except (OSError, ValueError) as exc:  # an unreadable or malformed private key
            raise SalesforceAuthError(
                f"source '{self.source}': Salesforce login ({self.spec.auth}) failed: "
                f"{type(exc).__name__}: {self._safe(str(exc))}"
            ) from None
        return Salesforce(session_id=sid, instance=instance, version=version, session=self.session)

    def _safe(self, text: object) -> str:
        return redact(str(text), self.credentials.secrets())


def error_of(content: Any) -> tuple[str, str]:
    """(errorCode, message) of a Salesforce error body (a list of errors, or text)."""
    if isinstance(content, list) and content and isinstance(content[0], dict):
        first = content[0]
        return str(first.get("errorCode", "UNKNOWN")), str(first.get("message", ""))
    return "UNKNOWN", str(content)[:300]
