"""Structured logs: one JSON object per line, carrying the run and task ids in force.

``with bound(run_id=..., task=...)`` sets ids for everything logged inside it (threads and
tasks each have their own); :class:`JsonFormatter` writes them with every record. Passwords
in URLs and values of secret-looking keys never reach the output.
"""

from __future__ import annotations

import contextvars
import logging
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from pythonjsonlogger.json import JsonFormatter as JsonLogFormatter

from vmsdq.services.jobconfig import redact

_IDS: contextvars.ContextVar[dict[str, str] | None] = contextvars.ContextVar(
    "vmsdq_log_ids", default=None
)
_SECRET_KEY = re.compile(r"(password|passwd|secret|token|api[_-]?key)", re.I)
_SECRET_VALUE = re.compile(
    r"(?P<key>(?:password|passwd|secret|token|api[_-]?key)\w*[\"']?\s*[=:]\s*[\"']?)[^\s\"',&]+",
    re.I,
)
_KEPT = ("time", "level", "logger", "message", "error", "run_id", "task_id", "task", "worker")


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


class JsonFormatter(JsonLogFormatter):
    """One JSON object per record (python-json-logger): time, level, logger, message, the
    bound ids, extras; secrets scrubbed from the message, the extras and tracebacks."""

    def __init__(self) -> None:
        super().__init__(
            "%(levelname)s %(name)s %(message)s",
            rename_fields={"levelname": "level", "name": "logger", "exc_info": "error"},
            timestamp="time",
            json_default=str,
        )

    def add_fields(
        self, log_data: dict[str, Any], record: logging.LogRecord, message_dict: dict[str, Any]
    ) -> None:
        super().add_fields(log_data, record, message_dict)
        log_data.update(current_ids())

    def process_log_record(self, log_data: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in log_data.items():
            if key in ("level",) and isinstance(value, str):
                out[key] = value.lower()
            elif key == "time":
                out[key] = value.isoformat(timespec="milliseconds")
            elif key not in _KEPT and _SECRET_KEY.search(key):
                out[key] = "***"
            else:
                out[key] = _plain(value)
        return out


def _plain(value: Any) -> Any:
    if isinstance(value, str):
        return scrub(value)
    if isinstance(value, int | float | bool) or value is None:
        return value
    return scrub(str(value))


def logging_config(level: int | str = logging.INFO) -> dict[str, Any]:
    """A ``logging.config.dictConfig`` sending every record, gunicorn's error and access
    logs included, as JSON lines to stderr (access lines to stdout)."""
    name = logging.getLevelName(level) if isinstance(level, int) else str(level).upper()
    json_handler = {"class": "logging.StreamHandler", "formatter": "json"}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "vmsdq.services.logs.JsonFormatter"}},
        "handlers": {
            "stderr": json_handler | {"stream": "ext://sys.stderr"},
            "stdout": json_handler | {"stream": "ext://sys.stdout"},
        },
        "root": {"level": name, "handlers": ["stderr"]},
        "loggers": {
            "gunicorn.error": {"level": name, "handlers": ["stderr"], "propagate": False},
            "gunicorn.access": {"level": "INFO", "handlers": ["stdout"], "propagate": False},
        },
    }


def configure_json_logging(level: int | str = logging.INFO, stream: Any = None) -> None:
    """Send every log record of this process to ``stream`` (stderr) as JSON lines."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper() if isinstance(level, str) else level)
