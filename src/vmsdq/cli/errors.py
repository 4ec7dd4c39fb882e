"""Exit codes, defined once, and how errors reach the terminal.

| code | meaning |
|------|---------|
| 0 | every rule passed, or only warnings (verdict ``passed`` / ``warned``) |
| 1 | a critical rule failed, or the score is under ``--fail-under`` (verdict ``failed``) |
| 2 | the configuration or the request is wrong (file, key, run or rule that does not exist) |
| 3 | a rule or entity could not be evaluated (verdict ``incomplete``), or a service is down |
|   | (a results database lost during a run: the results are printed, not stored) |
| 130 | interrupted (Ctrl-C); the run is marked cancelled |
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import NoReturn

import click

from vmsdq.core.errors import (
    ConfigError,
    ConfigErrors,
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    VmsdqError,
)
from vmsdq.core.results import RunResult, Verdict

EXIT = {Verdict.passed: 0, Verdict.warned: 0, Verdict.failed: 1, Verdict.incomplete: 3}
USAGE, INCOMPLETE, INTERRUPTED = 2, 3, 130


def exit_code(verdict: Verdict) -> int:
    return EXIT[verdict]


def kept(call: Callable[[], RunResult]) -> tuple[RunResult, str]:
    """A run, and why it is not stored ("" when it is): a results database lost during the
    run still gives its results, computed in memory."""
    from vmsdq.services.unstored import RunNotStoredError

    try:
        return call(), ""
    except RunNotStoredError as exc:
        return exc.run, str(exc)


def finish(verdict: Verdict, not_stored: str) -> NoReturn:
    """Exit with the verdict's code, or say the run is not stored and exit 3."""
    if not_stored:
        fail(not_stored, INCOMPLETE)
    sys.exit(exit_code(verdict))


def fail(message: str, code: int) -> NoReturn:
    click.echo(message, err=True)
    sys.exit(code)


@contextmanager
def handled() -> Iterator[None]:
    """Turn vmsdq errors into one message and the documented exit code, never a traceback."""
    try:
        yield
    except (ConfigError, ConfigErrors) as exc:
        fail(f"Configuration error:\n{exc}", USAGE)
    except (NotFoundError, ConflictError, PermissionDeniedError) as exc:
        fail(f"Error: {exc}", USAGE)
    except VmsdqError as exc:
        fail(f"Error: {exc}", INCOMPLETE)
    except KeyboardInterrupt:
        fail("Interrupted: the run was marked cancelled.", INTERRUPTED)
