"""Plain-Python reference of the reconciliation semantics, for ground truth (no SQL).

``compared(value, field)`` is what a VMS value becomes before the NULL-safe comparison;
``evaluate(filter, row)`` evaluates a mirror filter (=, !=, IN, AND, OR, NOT) on one row.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

from sqlglot import exp

from vmsdq.core.words import FieldType
from vmsdq.reconcile.mapping import MappedField
from vmsdq.spec.models import Normalizer


def text(value: Any) -> str | None:
    """What DuckDB's CAST(value AS VARCHAR) gives for the common Python types."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        moment: datetime = value
        if moment.tzinfo is not None:
            moment = moment.astimezone(UTC).replace(tzinfo=None)
        return moment.isoformat(sep=" ")
    return str(value)


def e164(value: str) -> str | None:
    digits = re.sub(r"[^0-9]", "", value)
    if not digits:
        return None
    return "+" + ("1" + digits if len(digits) == 10 else digits)


def _parse_ts(value: str) -> datetime | None:
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(UTC).replace(tzinfo=None)
    return parsed


STEPS: dict[Normalizer, Callable[[str], str | None]] = {
    Normalizer.trim: lambda v: v.strip(" "),
    Normalizer.lower: str.lower,
    Normalizer.upper: str.upper,
    Normalizer.digits: lambda v: re.sub(r"[^0-9]", "", v),
    Normalizer.e164: e164,
    Normalizer.utc: lambda v: text(_parse_ts(v)),
    Normalizer.date: lambda v: text(d.date() if (d := _parse_ts(v)) else None),
}


def normalized(value: Any, steps: tuple[Normalizer, ...]) -> str | None:
    out = text(value) or None  # empty text is NULL, as Salesforce stores it
    for step in steps:
        if out is None:
            return None
        out = STEPS[step](out)
    return out


def compared(value: Any, field: MappedField) -> object:
    """The value as compared: normalised text, typed for non-string fields."""
    out = normalized(value, field.normalize)
    if out is None or field.type is FieldType.string:
        return out
    try:
        if field.type in (FieldType.integer, FieldType.number):
            return float(out)
        if field.type is FieldType.boolean:
            return {"true": True, "false": False, "t": True, "f": False}.get(out.lower())
        if field.type is FieldType.date:
            parsed = _parse_ts(out)
            return parsed.date() if parsed else date.fromisoformat(out)
        return _parse_ts(out)
    except ValueError:
        return None


def evaluate(node: exp.Expr, row: dict[str, Any]) -> Any:
    """Evaluate a simple filter; unsupported syntax raises ValueError."""
    if isinstance(node, exp.Paren):
        return evaluate(node.this, row)
    if isinstance(node, exp.Column):
        return text(row.get(node.name))
    if isinstance(node, exp.Literal):
        return node.this if node.is_string else float(node.this)
    if isinstance(node, exp.Boolean):
        return node.this
    if isinstance(node, exp.Null):
        return None
    if isinstance(node, exp.Not):
        inner = evaluate(node.this, row)
        return None if inner is None else not inner
    if isinstance(node, exp.And | exp.Or):
        left, right = evaluate(node.this, row), evaluate(node.expression, row)
        return (left and right) if isinstance(node, exp.And) else (left or right)
    if isinstance(node, exp.EQ | exp.NEQ):
        left, right = evaluate(node.this, row), evaluate(node.expression, row)
        if left is None or right is None:
            return None
        return (str(left) == str(right)) == isinstance(node, exp.EQ)
    if isinstance(node, exp.In):
        left = evaluate(node.this, row)
        return None if left is None else left in {evaluate(e, row) for e in node.expressions}
    raise ValueError(f"unsupported filter syntax: {node.sql()}")
