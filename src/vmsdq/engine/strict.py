"""Strict formats: each distinct value validated once in Python, invalid ones as a temp table."""

from __future__ import annotations

from collections.abc import Callable

import duckdb
from sqlglot import exp

from vmsdq.checks.model import CompiledEntity, StrictValues
from vmsdq.checks.rules.json_text import SCHEMA_VALIDATOR, STRICT_VALIDATOR, to_python
from vmsdq.checks.sql import col
from vmsdq.engine.plan import base_select

# Addresses email-validator certainly accepts (tested against it), so only the rest go to
# Python: dot-atom local part of safe characters, lowercase LDH labels without "--", a
# letters-only top-level domain that is not special-use, RFC length limits.
EMAIL_FAST = (
    r"^[A-Za-z0-9_+-]+(\.[A-Za-z0-9_+-]+)*@"
    r"([a-z0-9](?:[a-z0-9]|-[a-z0-9]){0,31}\.)+[a-z]{2,63}$"
)
SPECIAL_USE = r"\.(arpa|invalid|local|localhost|onion|test)$"
# Addresses of the format's pattern email-validator certainly rejects: the local part (all
# before the one "@") starts or ends with a dot or holds two in a row (not a dot-atom, and
# the pattern admits no quoted local part). At 1M demo volunteers every one of the 40,000
# distinct values the fast path left for Python was of this shape (0.75 s CPU).
EMAIL_NOT_DOT_ATOM = r"^(\.|[^@]*(\.\.|\.@))"


def format_pattern(validator_name: str) -> str:
    """The format's RE2 pattern: a value not matching it fails the rule whatever Python says.

    Strict formats fail when the pattern does not match OR the validator rejects the value,
    so only values matching the pattern need the (slow) Python validator.
    """
    from vmsdq.checks.rules.format import PATTERNS
    from vmsdq.spec.models import FormatName

    kind = validator_name.partition(":")[0]
    return PATTERNS[FormatName.email if kind == "email" else FormatName.phone]


def certainly_valid(validator_name: str, value: exp.Expr) -> exp.Expr | None:
    """A SQL test for values the validator certainly accepts, or None (all go to Python)."""
    if validator_name != "email":
        return None
    return exp.and_(
        exp.RegexpFullMatch(this=value.copy(), expression=exp.Literal.string(EMAIL_FAST)),
        exp.Not(this=exp.RegexpLike(this=value.copy(), expression=exp.Literal.string(SPECIAL_USE))),
        exp.LTE(this=exp.Length(this=value.copy()), expression=exp.convert(254)),
        exp.LTE(
            this=exp.func("STRPOS", value.copy(), exp.Literal.string("@")),
            expression=exp.convert(65),
        ),
    )


def certainly_invalid(validator_name: str, value: exp.Expr) -> exp.Expr:
    """A SQL test for values (of the format's pattern) the validator certainly rejects."""
    if validator_name != "email":
        return exp.false()
    return exp.RegexpLike(this=value.copy(), expression=exp.Literal.string(EMAIL_NOT_DOT_ATOM))


def _prefilter(strict: StrictValues, column: exp.Expr) -> exp.Expr:
    """Values the SQL side does not already fail: they match the format's pattern, or (JSON
    Schema) they parse as JSON."""
    if strict.validator.startswith((SCHEMA_VALIDATOR, STRICT_VALIDATOR)):
        return to_python(strict.validator, column)
    pattern = exp.Literal.string(format_pattern(strict.validator))
    return exp.RegexpFullMatch(this=column.copy(), expression=pattern)


def validator(name: str) -> Callable[[str], bool]:
    """``email`` (email-validator syntax), ``phone:<REGION>`` (phonenumbers validity) or
    ``json_schema:<schema>`` (the parsed value conforms, by the ``jsonschema`` library)."""
    if name.startswith(SCHEMA_VALIDATOR):
        return _schema_validator(name.removeprefix(SCHEMA_VALIDATOR))
    if name == STRICT_VALIDATOR:
        return _schema_validator(None)
    if name == "email":
        import email_validator

        def valid_email(value: str) -> bool:
            try:
                email_validator.validate_email(value, check_deliverability=False)
            except email_validator.EmailNotValidError:
                return False
            return True

        return valid_email
    kind, _, region = name.partition(":")
    if kind != "phone":
        raise ValueError(f"unknown strict validator '{name}'")
    import phonenumbers

    def valid_phone(value: str) -> bool:
        try:
            return bool(phonenumbers.is_valid_number(phonenumbers.parse(value, region or "US")))
        except phonenumbers.NumberParseException:
            return False

    return valid_phone


def _schema_validator(schema_text: str | None) -> Callable[[str], bool]:
    """Strict RFC 8259 JSON (no NaN, Infinity, trailing commas), conforming to the schema."""
    import json

    from jsonschema import validators

    checker = None
    if schema_text is not None:
        schema = json.loads(schema_text)
        checker = validators.validator_for(schema)(schema)

    def not_json(name: str) -> None:
        raise ValueError(f"{name} is not JSON")

    def conforms(value: str) -> bool:
        try:
            parsed = json.loads(value, parse_constant=not_json)
        except (ValueError, RecursionError):  # DuckDB parsed it, RFC 8259 does not
            return False
        return checker is None or bool(checker.is_valid(parsed))

    return conforms


def build_strict_table(
    con: duckdb.DuckDBPyConnection, entity: CompiledEntity, strict: StrictValues
) -> None:
    """Create ``strict.table`` (column ``v``) holding the invalid distinct values."""
    column = col(strict.column, None)
    condition: exp.Expr = exp.and_(
        exp.Not(this=exp.Is(this=column.copy(), expression=exp.null())), _prefilter(strict, column)
    )
    fast = certainly_valid(strict.validator, column)
    if fast is not None:
        condition = exp.and_(condition, exp.Not(this=exp.paren(fast)))
    rejected = exp.alias_(certainly_invalid(strict.validator, column), "rejected", quoted=True)
    query = (
        exp.select(column, rejected)
        .distinct()
        .from_("base")
        .where(condition)
        .with_("base", as_=base_select(entity, entity.name, {strict.column}))
    )
    is_valid = validator(strict.validator)
    values = con.execute(query.sql(dialect="duckdb")).fetchall()
    invalid = [str(v) for v, rejected in values if rejected or not is_valid(str(v))]
    import pyarrow as pa  # only entities with strict format rules pay for it (issue #9)

    staged = pa.table({"v": pa.array(invalid, pa.string())})
    con.register("__strict_staging", staged)
    try:
        con.execute(
            exp.Create(
                this=exp.to_table(strict.table),
                kind="TABLE",
                expression=exp.select("v").from_("__strict_staging"),
                replace=True,
                properties=exp.Properties(expressions=[exp.TemporaryProperty()]),
            ).sql(dialect="duckdb")
        )
    finally:
        con.unregister("__strict_staging")
