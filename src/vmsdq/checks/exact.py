"""Exact casts: a source value becomes a typed value only when it converts without loss.

DuckDB's ``TRY_CAST`` rounds ``'17.5'`` and ``2013.4`` to integers, reads ``'0x1F'`` as 31,
``'1_000'`` as 1000, ``'NaN'``, ``'inf'`` and ``1e309`` as doubles, ``'24-01-01'`` as the year
24 and ``'infinity'`` as a date, and drops the offset of ``'2024-03-01T10:00:00+02:00'``.
:func:`exact_cast` guards the cast so every such value is NULL instead, and the field's type
rule reports it as not of the type; a timestamp with an offset becomes its instant in UTC.
Values already of the type (typed Parquet columns) skip the text test.

The pushdown to a SQL database keeps its own rule (a cast only where the database type
casts safely): :func:`plain_cast` gives it the bare ``TRY_CAST`` back (still NULL for NaN
and the infinities of a number field that does not allow them).
"""

from __future__ import annotations

from sqlglot import exp

_INTEGERS = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "UTINYINT", "USMALLINT", "UINTEGER")
_S = r"\s*"
_DAY = r"[0-9]{4}-[0-9]{2}-[0-9]{2}"
_MINUTE = r"[0-5][0-9]"
_CLOCK = rf"[ T]([01][0-9]|2[0-3]):{_MINUTE}(:{_MINUTE}(\.[0-9]+)?)?"
_OFFSET = rf"(Z|[+-](0[0-9]|1[0-5])(:?{_MINUTE})?)"  # up to 15:59, as PostgreSQL allows
_TEXT = {
    "BIGINT": rf"{_S}[+-]?[0-9]+(\.0*)?{_S}",
    "DOUBLE": rf"{_S}[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?{_S}",
    "DATE": rf"{_S}{_DAY}( 00:00:00)?{_S}",
    "TIMESTAMP": rf"{_S}{_DAY}({_CLOCK}{_OFFSET}?)?{_S}",
}
_ZONED = rf"{_S}{_DAY}{_CLOCK}{_OFFSET}{_S}"  # a timestamp at an offset: converted to UTC
_NONFINITE = rf"(?i){_S}(nan|[+-]?inf(inity)?){_S}"  # allow_nonfinite: NaN, inf, -Infinity
_ALREADY = {
    "BIGINT": _INTEGERS,
    "DOUBLE": (*_INTEGERS, "FLOAT", "DOUBLE"),
    "DATE": ("DATE",),
    "TIMESTAMP": ("TIMESTAMP", "TIMESTAMP_S", "TIMESTAMP_MS", "TIMESTAMP_NS", "DATE"),
}
EXACT = "exact_cast_of"  # meta key: what a database casts instead (see plain_cast)


def data_type(name: str) -> exp.DataType:
    """A plain SQL type (``VARCHAR``, ``BIGINT``...) as ``exp.DataType.build`` gives it,
    without a parse per call; other type texts go through ``build``."""
    kind = exp.DataType.Type.__members__.get(name.upper())
    if kind is None or not name.isalnum():
        return exp.DataType.build(name)
    return exp.DataType(this=kind, expressions=None, nested=False)


def exact_cast(source: exp.Expr, sql_type: str, *, nonfinite: bool = False) -> exp.Expr:
    """``source`` as ``sql_type`` when it converts exactly, else NULL (DuckDB SQL).

    ``nonfinite`` (a number field's ``allow_nonfinite``): NaN and the infinities are numbers.
    A timestamp written with an offset is the instant it names, in UTC; one without is UTC.
    """
    plain = exp.TryCast(this=source.copy(), to=data_type(sql_type))
    pattern = _TEXT.get(sql_type)
    if pattern is None:
        return plain
    kind = exp.func("typeof", source.copy())
    already = exp.In(this=kind, expressions=[exp.Literal.string(t) for t in _ALREADY[sql_type]])
    text = exp.TryCast(this=source.copy(), to=data_type("VARCHAR"))
    shaped = _matches(text, pattern)
    ifs = [exp.If(this=already, true=plain.copy()), exp.If(this=shaped, true=plain.copy())]
    if sql_type == "DOUBLE":  # NaN and infinities are not numbers; 1e309 overflows to inf
        finite = exp.func("isfinite", plain.copy())
        ifs = [exp.If(this=exp.and_(exp.paren(exp.or_(already, shaped)), finite), true=plain)]
        if nonfinite:
            words = exp.or_(exp.paren(exp.and_(already, exp.not_(finite.copy()))),
                            _matches(text.copy(), _NONFINITE))  # fmt: skip
            ifs.append(exp.If(this=words, true=plain.copy()))
    if sql_type == "TIMESTAMP":
        zoned = exp.TryCast(this=source.copy(), to=data_type("TIMESTAMPTZ"))
        instant = exp.AtTimeZone(this=zoned, zone=exp.Literal.string("UTC"))
        ifs.insert(1, exp.If(this=_matches(text.copy(), _ZONED), true=instant))
    case = exp.Case(ifs=ifs)
    case.meta[EXACT] = _finite(plain) if sql_type == "DOUBLE" and not nonfinite else plain
    return case


def _finite(plain: exp.Expr) -> exp.Expr:
    """The cast where it is a finite number (``x - x = 0``: false for NaN and the infinities,
    in every database, without their spellings of NaN)."""
    zero = exp.EQ(
        this=exp.Sub(this=plain.copy(), expression=plain.copy()), expression=exp.Literal.number(0)
    )
    return exp.Case(ifs=[exp.If(this=zero, true=plain.copy())])


def _matches(text: exp.Expr, pattern: str) -> exp.Expr:
    return exp.RegexpFullMatch(this=text, expression=exp.Literal.string(pattern))


def plain_cast(node: exp.Expr) -> exp.Expr | None:
    """The bare ``TRY_CAST`` of an exact cast (for the SQL pushdown: the database casts where
    its column type casts exactly), NULL where a number must be finite; None if not one."""
    plain = node.meta.get(EXACT)
    return plain.copy() if isinstance(plain, exp.Expr) else None
