"""Values a rule compares with, checked against the field's type before anything runs.

A bound that is not a number on a number field (``min: ten``), not a real date on a date field
(``min: 2024-02-30``), and a regular expression the engine (RE2) cannot compile are
configuration errors at ``vmsdq check``, not a failure at run time.
"""

from __future__ import annotations

import math
import re
from datetime import date, datetime
from typing import Any

from vmsdq.core.words import FieldType

# RE2 (DuckDB's regex engine) has no lookaround and no backreferences.
_NOT_RE2 = re.compile(r"\(\?<?[=!]|\\[1-9]|\(\?P=")


def bound_error(value: Any, kind: FieldType) -> str | None:
    """Why ``value`` cannot bound a ``kind`` field, or None."""
    if value is None or kind is FieldType.string:
        return None
    if kind in (FieldType.integer, FieldType.number):
        if isinstance(value, bool) or not isinstance(value, int | float):
            return f"{value!r} is not a number (the field is {kind})"
        if isinstance(value, float) and not math.isfinite(value):
            return f"{value!r} is not a finite number"
        return None
    if kind is FieldType.date:
        return _date_error(value)
    if kind is FieldType.timestamp:
        return _timestamp_error(value)
    return f"a {kind} field takes no bounds"


def _date_error(value: Any) -> str | None:
    if isinstance(value, date) and not isinstance(value, datetime):
        return None
    if isinstance(value, str):
        try:
            date.fromisoformat(value)
            if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
                return None
        except ValueError:
            pass
    return f"{value!r} is not a date (write YYYY-MM-DD, e.g. 2024-02-29)"


def _timestamp_error(value: Any) -> str | None:
    if isinstance(value, date):
        return None
    if isinstance(value, str):
        try:
            datetime.fromisoformat(value.replace("Z", "+00:00"))
            return None
        except ValueError:
            pass
    return f"{value!r} is not a timestamp (write e.g. 2024-02-29T12:00:00Z)"


def regex_error(pattern: str) -> str | None:
    """Why ``pattern`` is not a regular expression the engine compiles, or None."""
    try:
        re.compile(pattern)
    except re.error as exc:
        return f"pattern {pattern!r} is not a valid regular expression: {exc}"
    if _NOT_RE2.search(pattern):
        return (
            f"pattern {pattern!r} uses lookaround or a backreference, which the engine's "
            "regular expressions (RE2) do not support"
        )
    return None
