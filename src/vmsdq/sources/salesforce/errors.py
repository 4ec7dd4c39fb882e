"""Errors of the Salesforce source. Messages name the source, entity and object, never secrets."""

from __future__ import annotations

from vmsdq.core.errors import SourceError, TerminalError, TransientError
from vmsdq.core.secrets import redact as redact  # every form of a secret


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
