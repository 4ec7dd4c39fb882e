"""Errors of the Salesforce source. Messages name the source, entity and object, never secrets."""

from __future__ import annotations

import base64
from collections.abc import Iterable
from html import escape
from urllib.parse import quote, quote_plus

from vmsdq.core.errors import SourceError, TerminalError, TransientError


class SalesforceError(SourceError):
    """Base of every Salesforce source error; ``str()`` is the whole message."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class SalesforceConfigError(SalesforceError, TerminalError):
    """The entity's mirror mapping or the source settings cannot be used."""


class SalesforceAuthError(SalesforceError, TerminalError):
    """Login failed, credentials are missing, or a fresh session was rejected."""


class SalesforceQueryError(SalesforceError, TerminalError):
    """Salesforce rejected the query (bad field, bad object, failed Bulk job)."""


class SalesforceUnavailableError(SalesforceError, TransientError):
    """Rate limits, 5xx or network errors persisted through every retry."""


def redact(text: str, secrets: Iterable[str | None]) -> str:
    """``text`` with every secret value (4+ characters) replaced by ``***``.

    Also in the forms a secret takes on the wire: URL-encoded (form bodies), XML-escaped
    (the SOAP login) and base64 (an HTTP Basic header).
    """
    forms: set[str] = set()
    for secret in secrets:
        if secret and len(secret) >= 4:
            forms |= {secret, quote(secret, safe=""), quote_plus(secret), escape(secret)}
            forms.add(base64.b64encode(secret.encode()).decode().rstrip("="))
    for form in sorted(forms, key=len, reverse=True):
        text = text.replace(form, "***")
    return text
