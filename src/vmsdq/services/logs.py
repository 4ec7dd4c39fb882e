"""Structured logs: one JSON object per line, carrying the run and task ids in force.

``with bound(run_id=..., task=...)`` sets ids for everything logged inside it (threads and
tasks each have their own); :class:`JsonFormatter` writes them with every record. Passwords
in URLs and values of secret-looking keys never reach the output.
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from vmsdq.services.jobconfig import redact

_IDS: contextvars.ContextVar[dict[str, str] | None] = contextvars.ContextVar(
    "vmsdq_log_ids", default=None
)
_SECRET_KEY = re.compile(r"(password|passwd|secret|token|api[_-]?key)", re.I)
_SECRET_VALUE = re.compile(
    r"(?P<key>(?:password|passwd|secret|token|api[_-]?key)\w*[\"']?\s*[=:]\s*[\"']?)[^\s\"',&]+",
    re.I,
)
_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


@contextmanager
def bound(**ids: str | None) -> Iterator[None]:
    """Add ``ids`` (run_id, task_id, task, worker...) to every record logged inside."""
    token = _IDS.set({**current_ids(), **{k: v for k, v in ids.items() if v is not None}})
    try:
        yield
    finally:
        _IDS.reset(token)


def current_ids() -> dict[str, str]:
    return dict(_IDS.get() or {})


def scrub(text: str) -> str:
    """``text`` without URL passwords or ``password=...``-style values."""
    return _SECRET_VALUE.sub(lambda m: f"{m['key']}***", redact(text))


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time, level, logger, message, the bound ids, extras."""

    def format(self, record: logging.LogRecord) -> str:
        payload: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": scrub(record.getMessage()),
            **current_ids(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                payload[key] = "***" if _SECRET_KEY.search(key) else _plain(value)
        if record.exc_info:
            payload["error"] = scrub(self.formatException(record.exc_info))
        return json.dumps(payload, default=str)


def _plain(value: Any) -> Any:
    if isinstance(value, str):
        return scrub(value)
    if isinstance(value, int | float | bool) or value is None:
        return value
    return scrub(str(value))


def configure_json_logging(level: int | str = logging.INFO, stream: Any = None) -> None:
    """Send every log record of this process to ``stream`` (stderr) as JSON lines."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
