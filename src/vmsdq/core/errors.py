"""One exception hierarchy for vmsdq.

``TransientError`` means "try again later" (network, rate limits); ``TerminalError`` means
retrying cannot help. Celery retries exactly the transient ones. Every exception stays
picklable: constructor arguments are stored in ``args``.
"""

from __future__ import annotations

from dataclasses import dataclass


class VmsdqError(Exception):
    """Base class of every error vmsdq raises on purpose."""


class TransientError(VmsdqError):
    """A failure that may go away on retry (timeouts, rate limits, 5xx)."""


class TerminalError(VmsdqError):
    """A failure that retrying cannot fix (bad config, bad credentials, bad data)."""


@dataclass(frozen=True)
class Location:
    """Where something was declared: ``file:line:column`` (1-based; 0 = unknown)."""

    file: str
    line: int = 0
    column: int = 0

    def __str__(self) -> str:
        if not self.line:
            return self.file
        where = f"{self.file}:{self.line}"
        return f"{where}:{self.column}" if self.column else where


class ConfigError(TerminalError):
    """A project or entity file that does not validate. Nothing runs on such a config."""

    def __init__(self, message: str, location: Location | None = None) -> None:
        super().__init__(message, location)
        self.message = message
        self.location = location

    def __str__(self) -> str:
        return f"{self.location}: {self.message}" if self.location else self.message


class ConfigErrors(TerminalError):
    """Several config errors found in one load; reported together."""

    def __init__(self, errors: list[ConfigError]) -> None:
        super().__init__(errors)
        self.errors = errors

    def __str__(self) -> str:
        return "\n".join(str(e) for e in self.errors)


class SandboxError(ConfigError):
    """A user-written rule expression uses something the sandbox does not allow."""


class NotFoundError(TerminalError):
    """A run, rule, entity or version that does not exist (for this tenant and project)."""


class ConflictError(TerminalError):
    """A request that clashes with the current state (a run id taken, a finished run)."""


class PermissionDeniedError(TerminalError):
    """The actor may not do this."""


class SourceError(VmsdqError):
    """A source could not be read (missing file, missing column, bad data). Unless it is also
    a ``TransientError`` (see :class:`SourceUnavailableError`), retrying cannot help."""


class SourceUnavailableError(SourceError, TransientError):
    """A source that could not be reached (timeout, refused connection, 5xx): retry later."""


class MissingColumnError(SourceError, TerminalError):
    """A declared field is absent from the data."""

    def __init__(self, entity: str, column: str, where: str) -> None:
        super().__init__(entity, column, where)
        self.entity, self.column, self.where = entity, column, where

    def __str__(self) -> str:
        return f"entity '{self.entity}': column '{self.column}' is missing from {self.where}"
