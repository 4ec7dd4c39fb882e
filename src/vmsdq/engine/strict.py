"""Strict formats: each distinct value validated once in Python, invalid ones as a temp table."""

from __future__ import annotations

from collections.abc import Callable

import duckdb
import pyarrow as pa
from sqlglot import exp

from vmsdq.checks.model import CompiledEntity, StrictValues
from vmsdq.checks.sql import col
from vmsdq.engine.plan import base_select


def validator(name: str) -> Callable[[str], bool]:
    """``email`` (email-validator syntax) or ``phone:<REGION>`` (phonenumbers validity)."""
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


def build_strict_table(
    con: duckdb.DuckDBPyConnection, entity: CompiledEntity, strict: StrictValues
) -> None:
    """Create ``strict.table`` (column ``v``) holding the invalid distinct values."""
    column = col(strict.column, None)
    query = (
        exp.select(column)
        .distinct()
        .from_("base")
        .where(exp.Not(this=exp.Is(this=column.copy(), expression=exp.null())))
        .with_("base", as_=base_select(entity, entity.name, {strict.column}))
    )
    is_valid = validator(strict.validator)
    values = con.execute(query.sql(dialect="duckdb")).fetchall()
    invalid = [str(v) for (v,) in values if not is_valid(str(v))]
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
