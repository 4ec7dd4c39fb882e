"""Declared normalisers as SQLGlot expressions (DuckDB dialect), applied to both sides.

Every normaliser takes and returns text; NULL stays NULL. ``compare_value`` then turns the
normalised text into the VMS field's type so ``1`` and ``1.0`` or ``2024-01-01`` and
``2024-01-01T00:00:00Z`` compare equal when they mean the same. Empty text is NULL before
any step (Salesforce stores no empty text).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from sqlglot import exp

from vmsdq.core.words import FieldType
from vmsdq.spec.models import Normalizer

TZ_SUFFIX = r":[0-9]{2}(\.[0-9]+)?(Z|[+-][0-9]{2}(:?[0-9]{2})?)$"  # time with an offset


def text(value: exp.Expr) -> exp.Expr:
    return exp.cast(value, "VARCHAR")


def _fn(name: str, *args: exp.Expr) -> exp.Expr:
    return exp.Anonymous(this=name, expressions=list(args))


def _digits(value: exp.Expr) -> exp.Expr:
    return exp.RegexpReplace(
        this=value,
        expression=exp.Literal.string("[^0-9]+"),
        replacement=exp.Literal.string(""),
        modifiers=exp.Literal.string("g"),
    )


def _e164(value: exp.Expr) -> exp.Expr:
    """Digits only, a 10-digit (NANP) number gets country code 1, then a leading '+'.

    Two regex passes and no CASE, so each value is scanned once per pass.
    """
    digits = exp.func("NULLIF", _digits(value), exp.Literal.string(""))
    with_country = exp.RegexpReplace(
        this=digits,
        expression=exp.Literal.string("^([0-9]{10})$"),
        replacement=exp.Literal.string("1\\1"),
    )
    return exp.DPipe(this=exp.Literal.string("+"), expression=with_country, safe=True)


def _utc(value: exp.Expr) -> exp.Expr:
    """Timestamps with an offset converted to UTC; those without one are taken as UTC."""
    with_offset = exp.RegexpLike(this=value.copy(), expression=exp.Literal.string(TZ_SUFFIX))
    as_utc = exp.AtTimeZone(
        this=exp.TryCast(this=value.copy(), to=exp.DataType.build("TIMESTAMPTZ")),
        zone=exp.Literal.string("UTC"),
    )
    naive = exp.TryCast(this=value.copy(), to=exp.DataType.build("TIMESTAMP"))
    return text(exp.Case(ifs=[exp.If(this=with_offset, true=as_utc)], default=naive))


def _date(value: exp.Expr) -> exp.Expr:
    as_ts = exp.TryCast(this=value.copy(), to=exp.DataType.build("TIMESTAMP"))
    return text(exp.TryCast(this=as_ts, to=exp.DataType.build("DATE")))


NORMALIZERS: dict[Normalizer, Callable[[exp.Expr], exp.Expr]] = {
    Normalizer.trim: lambda v: exp.Trim(this=v),
    Normalizer.lower: lambda v: exp.Lower(this=v),
    Normalizer.upper: lambda v: exp.Upper(this=v),
    Normalizer.digits: _digits,
    Normalizer.e164: _e164,
    Normalizer.utc: _utc,
    Normalizer.date: _date,
}


def picklist(value: exp.Expr, values: Mapping[str, str]) -> exp.Expr:
    """Map the other system's picklist values to ours; unmapped values pass through."""
    if not values:
        return value
    ifs = [
        exp.If(
            this=exp.EQ(this=value.copy(), expression=exp.Literal.string(k)),
            true=exp.Literal.string(v),
        )
        for k, v in values.items()
    ]
    return exp.Case(ifs=ifs, default=value)


def normalize(value: exp.Expr, steps: Sequence[Normalizer]) -> exp.Expr:
    """Apply the normalisers in declared order to ``value`` as text ('' is NULL)."""
    out: exp.Expr = exp.Nullif(this=text(value), expression=exp.Literal.string(""))
    for step in steps:
        out = NORMALIZERS[step](out)
    return out


TYPED: dict[FieldType, str] = {
    FieldType.integer: "DOUBLE",  # compare numerically: '1' = '1.0'
    FieldType.number: "DOUBLE",
    FieldType.boolean: "BOOLEAN",
    FieldType.date: "DATE",
    FieldType.timestamp: "TIMESTAMP",
}


# normalisers that leave a value of this type unchanged (the typed value is compared as is)
NEUTRAL: dict[FieldType, set[Normalizer]] = {
    FieldType.integer: set(),
    FieldType.number: set(),
    FieldType.boolean: set(),
    FieldType.date: {Normalizer.date},
    FieldType.timestamp: {Normalizer.utc},
}


def compare_value(normalized: exp.Expr, field_type: FieldType) -> exp.Expr:
    """Normalised text as the value compared: typed for non-string fields."""
    target = TYPED.get(field_type)
    if target is None:
        return normalized
    inner = normalized.this if isinstance(normalized, exp.Cast) else None
    if isinstance(inner, exp.TryCast) and inner.to.this.name == target:
        return inner  # already typed (the date normaliser): skip the text round trip
    if isinstance(inner, exp.Case) and target == "TIMESTAMP":
        return inner  # the utc normaliser yields a TIMESTAMP
    if target == "DATE":
        as_ts = exp.TryCast(this=normalized, to=exp.DataType.build("TIMESTAMP"))
        return exp.TryCast(this=as_ts, to=exp.DataType.build("DATE"))
    return exp.TryCast(this=normalized, to=exp.DataType.build(target))


def typed_ours(value: exp.Expr, field_type: FieldType, steps: Sequence[Normalizer]) -> exp.Expr:
    """Our (already typed) value as compared; no text round trip when the steps are neutral."""
    if field_type in NEUTRAL and set(steps) <= NEUTRAL[field_type]:
        return exp.TryCast(this=value, to=exp.DataType.build(TYPED[field_type]))
    return compare_value(normalize(value, steps), field_type)
