"""Exact casts: a source value becomes a typed value only when it converts without loss.

DuckDB's ``TRY_CAST`` rounds ``'17.5'`` and ``2013.4`` to integers, reads ``'0x1F'`` as 31,
``'1_000'`` as 1000, ``'NaN'``, ``'inf'`` and ``1e309`` as doubles, ``'24-01-01'`` as the year
24 and ``'infinity'`` as a date. :func:`exact_cast` guards the cast so every such value is
NULL instead, and the field's type rule reports it as not of the type. Values already of
the type (typed Parquet columns) skip the text test.

The pushdown to a SQL database keeps its own rule (a cast only where the database type
casts safely): :func:`plain_cast` gives it the bare ``TRY_CAST`` back.
"""

from __future__ import annotations

from sqlglot import exp

_INTEGERS = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "UTINYINT", "USMALLINT", "UINTEGER")
_S = r"\s*"
_DAY = r"[0-9]{4}-[0-9]{2}-[0-9]{2}"
_TIME = r"([ T][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?)?(Z|[+-][0-9]{2}(:?[0-9]{2})?)?"
_TEXT = {
    "BIGINT": rf"{_S}[+-]?[0-9]+(\.0*)?{_S}",
    "DOUBLE": rf"{_S}[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?{_S}",
    "DATE": rf"{_S}{_DAY}( 00:00:00)?{_S}",
    "TIMESTAMP": rf"{_S}{_DAY}{_TIME}{_S}",
}
_ALREADY = {
    "BIGINT": _INTEGERS,
    "DOUBLE": (*_INTEGERS, "FLOAT", "DOUBLE"),
    "DATE": ("DATE",),
    "TIMESTAMP": ("TIMESTAMP", "TIMESTAMP_S", "TIMESTAMP_MS", "TIMESTAMP_NS", "DATE"),
}
EXACT = "exact_cast_of"  # meta key: the plain TRY_CAST an exact cast guards


def exact_cast(source: exp.Expr, sql_type: str) -> exp.Expr:
    """``source`` as ``sql_type`` when it converts exactly, else NULL (DuckDB SQL)."""
    plain = exp.TryCast(this=source.copy(), to=exp.DataType.build(sql_type))
    pattern = _TEXT.get(sql_type)
    if pattern is None:
        return plain
    kind = exp.func("typeof", source.copy())
    already = exp.In(this=kind, expressions=[exp.Literal.string(t) for t in _ALREADY[sql_type]])
    text = exp.TryCast(this=source.copy(), to=exp.DataType.build("VARCHAR"))
    shaped = exp.RegexpFullMatch(this=text, expression=exp.Literal.string(pattern))
    ifs = [exp.If(this=already, true=plain.copy()), exp.If(this=shaped, true=plain.copy())]
    if sql_type == "DOUBLE":  # NaN and infinities are not numbers; 1e309 overflows to inf
        finite = exp.func("isfinite", plain.copy())
        ifs = [exp.If(this=exp.and_(exp.paren(exp.or_(already, shaped)), finite), true=plain)]
    case = exp.Case(ifs=ifs)
    case.meta[EXACT] = plain
    return case


def plain_cast(node: exp.Expr) -> exp.Expr | None:
    """The bare ``TRY_CAST`` of an exact cast (for the SQL pushdown), or None."""
    plain = node.meta.get(EXACT)
    return plain.copy() if isinstance(plain, exp.Expr) else None
