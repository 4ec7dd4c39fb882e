"""Cursor pagination: a page of items and an opaque cursor to the next one."""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from vmsdq.core.errors import ConfigError

T = TypeVar("T")
MAX_LIMIT = 1000


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    next_cursor: str | None = None  # None: this is the last page
    total: int | None = None  # when cheap to know
    extra: dict[str, Any] = field(default_factory=dict)


def encode_cursor(values: Sequence[Any]) -> str:
    raw = json.dumps(list(values), separators=(",", ":"), default=str).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, size: int) -> list[Any]:
    """The values behind ``cursor``; a ConfigError names the parameter when it is not ours."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, UnicodeDecodeError):
        raise ConfigError(f"cursor '{cursor[:40]}' is not a cursor this server issued") from None
    if not isinstance(values, list) or len(values) != size:
        raise ConfigError(f"cursor '{cursor[:40]}' is not a cursor this server issued")
    return values


def checked_limit(limit: int) -> int:
    if not 1 <= limit <= MAX_LIMIT:
        raise ConfigError(f"limit must be between 1 and {MAX_LIMIT}, got {limit}")
    return limit
