"""``mirror.where``: a SOQL condition, parsed once for the Salesforce query and for reconcile.

SOQL writes date and datetime values unquoted (``Birthdate > 2000-01-01``,
``CreatedDate >= 2024-01-01T00:00:00Z``). Before SQLGlot parses the text, each such literal
becomes a marker call ``SOQL_DATE('…')`` / ``SOQL_DATETIME('…')``, so it is neither read as
arithmetic nor lost; :func:`literal_of` reads a marker back. A quoted date compared with a
date or datetime field is refused with the fix, as Salesforce would refuse it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime

import sqlglot
from sqlglot import exp

from vmsdq.core.errors import ConfigError
from vmsdq.core.words import FieldType


class MirrorWhereError(ConfigError):
    """A ``mirror.where`` that Salesforce would refuse (or that cannot be read)."""


DATE_MARK, DATETIME_MARK = "SOQL_DATE", "SOQL_DATETIME"
_DATETIME = r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,3})?(?:Z|[+-]\d{2}:\d{2})"
_DATE = r"\d{4}-\d{2}-\d{2}"
_NAMED = (
    r"YESTERDAY|TODAY|TOMORROW|(?:LAST|THIS|NEXT)_(?:WEEK|MONTH|QUARTER|YEAR|FISCAL_QUARTER|"
    r"FISCAL_YEAR|90_DAYS)|[A-Z_]+:\d+"
)
_TOKENS = re.compile(
    rf"'(?:\\.|[^'\\])*'|(?<![\w.:-])({_DATETIME})(?![\w:.])|(?<![\w.:-])({_DATE})(?![\w:.T-])"
    rf"|\b({_NAMED})\b",
    re.IGNORECASE,
)
TYPE_NAMES = {FieldType.date: "date", FieldType.timestamp: "dateTime"}


def parse_where(entity: str, text: str) -> exp.Expr:
    """The condition as a SQLGlot tree with date markers; raises ``MirrorWhereError``."""

    def mark(m: re.Match[str]) -> str:
        if m[3]:
            raise MirrorWhereError(
                f"entity '{entity}': mirror.where uses the relative date literal {m[3]!r}; "
                "only dates (2024-01-31) and datetimes (2024-01-31T00:00:00Z) are supported, "
                "so the filter means the same on both sides of a reconciliation"
            )
        if m[1]:
            _check_datetime(entity, m[1])
            return f"{DATETIME_MARK}('{m[1]}')"
        if m[2]:
            _check_date(entity, m[2])
            return f"{DATE_MARK}('{m[2]}')"
        return m[0]

    marked = _TOKENS.sub(mark, text)
    try:
        tree = sqlglot.parse_one(marked)
    except sqlglot.errors.ParseError as exc:
        raise MirrorWhereError(
            f"entity '{entity}': mirror.where does not parse: {text!r} "
            f"({exc.errors[0]['description']})"
        ) from None
    return tree


def literal_of(node: exp.Expr) -> tuple[str, str] | None:
    """``("date" | "dateTime", text)`` for a date marker, else None."""
    if isinstance(node, exp.Anonymous) and node.name.upper() in (DATE_MARK, DATETIME_MARK):
        value = node.expressions[0]
        kind = "date" if node.name.upper() == DATE_MARK else "dateTime"
        return kind, str(value.this)
    return None


def check_types(entity: str, tree: exp.Expr, type_of: Callable[[str], FieldType | None]) -> None:
    """Refuse date values that Salesforce would refuse for the field they are compared with."""
    for node in tree.find_all(exp.EQ, exp.NEQ, exp.GT, exp.GTE, exp.LT, exp.LTE, exp.In):
        column = node.this
        if not isinstance(column, exp.Column):
            continue
        name = ".".join(p.name for p in column.parts)
        wanted = TYPE_NAMES.get(type_of(name) or FieldType.string)
        if wanted is None:
            continue
        values = node.expressions if isinstance(node, exp.In) else [node.expression]
        for value in values:
            _check_value(entity, name, wanted, value)


def _check_value(entity: str, field: str, wanted: str, value: exp.Expr) -> None:
    example = "2000-01-31" if wanted == "date" else "2000-01-31T00:00:00Z"
    literal = literal_of(value)
    if isinstance(value, exp.Literal) and value.is_string:
        raise MirrorWhereError(
            f"entity '{entity}': mirror.where compares {field} (a {wanted} field) with the "
            f"quoted text '{value.this}'; SOQL writes {wanted} values without quotes, "
            f"e.g. {field} > {example}"
        )
    if literal is not None and literal[0] != wanted:
        raise MirrorWhereError(
            f"entity '{entity}': mirror.where compares {field} (a {wanted} field) with the "
            f"{literal[0]} {literal[1]}; write a {wanted} value, e.g. {field} > {example}"
        )


def _check_date(entity: str, text: str) -> None:
    try:
        date.fromisoformat(text)
    except ValueError:
        raise MirrorWhereError(
            f"entity '{entity}': mirror.where has {text}, which is not a valid date (YYYY-MM-DD)"
        ) from None


def _check_datetime(entity: str, text: str) -> None:
    try:
        datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise MirrorWhereError(
            f"entity '{entity}': mirror.where has {text}, which is not a valid datetime "
            "(YYYY-MM-DDThh:mm:ssZ or with an offset such as +01:00)"
        ) from None
