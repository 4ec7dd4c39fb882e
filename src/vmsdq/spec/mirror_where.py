"""``mirror.where``: a SOQL condition, parsed once for the Salesforce query and for reconcile.

SOQL writes date and datetime values unquoted (``Birthdate > 2000-01-01``,
``CreatedDate >= 2024-01-01T00:00:00Z``). Before SQLGlot parses the text, each such literal
becomes a marker call ``SOQL_DATE('…')`` / ``SOQL_DATETIME('…')``, so it is neither read as
arithmetic nor lost; :func:`literal_of` reads a marker back. A quoted date compared with a
date or datetime field is refused with the fix, as Salesforce would refuse it.

The text goes through the sandbox (:mod:`vmsdq.spec.sandbox`) with the SOQL allow-list:
fields (``Account.Type`` included), literals, comparisons, AND/OR/NOT, IN lists, LIKE and
IS NULL. The same tree filters the Salesforce query and our side of a reconciliation, so
nothing else (a subquery, a function reading a file) may reach either.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime

from sqlglot import exp

from vmsdq.core.errors import ConfigError, Location
from vmsdq.core.words import FieldType
from vmsdq.spec.sandbox import allowed_tree, kind_refusal, parse_one


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


_ALLOWED = (
    exp.Literal, exp.Boolean, exp.Null, exp.Paren, exp.Not, exp.And, exp.Or, exp.EQ, exp.NEQ,
    exp.GT, exp.GTE, exp.LT, exp.LTE, exp.Like,
)  # fmt: skip
_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
WHAT_IS_ALLOWED = "fields, literals, comparisons, AND/OR/NOT, IN, LIKE and IS NULL"


def parse_where(entity: str, text: str, location: Location | None = None) -> exp.Expr:
    """The condition as a SQLGlot tree with date markers; raises ``MirrorWhereError``."""

    def refuse(reason: str) -> MirrorWhereError:
        shown = text if len(text) <= 200 else text[:200] + "..."
        return MirrorWhereError(
            f"entity '{entity}': mirror.where: {reason} (in {shown!r})", location
        )

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

    try:
        marked = _TOKENS.sub(mark, text)
    except MirrorWhereError as e:
        raise MirrorWhereError(e.message, location) from None
    return allowed_tree(parse_one(marked, refuse, dialect=""), _refusal, refuse)


def _refusal(node: exp.Expr) -> str | None:  # noqa: PLR0911
    """Why ``node`` may not appear in a SOQL condition, or None."""
    if isinstance(node, exp.Column):
        bad = [p.name for p in node.parts if not _NAME.match(p.name)]
        return f"'{bad[0]}' is not a Salesforce field name" if bad else None
    if isinstance(node, exp.Identifier):
        return None if isinstance(node.parent, exp.Column) else _not_allowed(node)
    if isinstance(node, exp.In):
        if node.args.get("query") or node.args.get("unnest") or node.args.get("field"):
            return "IN takes a list of values, e.g. Type IN ('a', 'b')"
        return None
    if isinstance(node, exp.Is):
        return None if isinstance(node.expression, exp.Null) else _not_allowed(node)
    if isinstance(node, exp.Neg):
        return None if isinstance(node.this, exp.Literal) else _not_allowed(node)
    if isinstance(node, exp.Anonymous) and node.name.upper() in (DATE_MARK, DATETIME_MARK):
        return None
    if isinstance(node, _ALLOWED):
        return None
    if isinstance(node, exp.Query | exp.Exists | exp.DDL | exp.DML | exp.Command):
        return kind_refusal(node)
    if isinstance(node, exp.Func) and kind_refusal(node).startswith("table function"):
        return kind_refusal(node)
    if isinstance(node, exp.Func):
        name = node.name if isinstance(node, exp.Anonymous) else node.sql_name()
        return f"function '{name.lower()}' is not allowed: SOQL conditions take no functions"
    return _not_allowed(node)


def _not_allowed(node: exp.Expr) -> str:
    return f"{node.sql()!r} is not allowed: a mirror.where may only use {WHAT_IS_ALLOWED}"


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
