"""format: a present value must match a standard pattern (RE2 full match), optionally strict.

Salesforce ids of 18 characters must also carry the case-safe checksum of their first 15
characters; the checksum is computed in SQL. ``strict`` adds a Python validator
(email-validator / phonenumbers) run once per distinct value by the engine.
"""

from __future__ import annotations

from sqlglot import exp

from vmsdq.checks.context import RuleContext
from vmsdq.checks.model import Check, Relation, StrictValues
from vmsdq.checks.shorthand import FieldRule
from vmsdq.checks.sql import col, lit, relation_alias, table
from vmsdq.spec.models import FormatName

EMAIL = (
    r"^[a-zA-Z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?"
    r"(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$"
)
E164 = r"^\+[1-9][0-9]{7,14}$"
NANP = r"^(\+?1[ .-]?)?(\([2-9][0-9]{2}\)|[2-9][0-9]{2})[ .-]?[2-9][0-9]{2}[ .-]?[0-9]{4}$"
PATTERNS: dict[FormatName, str] = {
    FormatName.email: EMAIL,
    FormatName.phone: f"{E164}|{NANP}",
    FormatName.url: r"^https?://[^\s/?#]+\.[^\s/?#]+([/?#][^\s]*)?$",
    FormatName.postal_code: r"^[0-9]{5}(-[0-9]{4})?$",
    FormatName.salesforce_id: r"^[a-zA-Z0-9]{15}([a-zA-Z0-9]{3})?$",
}
CHECKSUM_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
STRICT_VALIDATORS = {FormatName.email: "email", FormatName.phone: "phone"}


def compile_format(rule: FieldRule, ctx: RuleContext) -> Check:
    opts = rule.opts
    value = ctx.column(rule.field)
    pattern = opts.pattern if opts.format is FormatName.regex else PATTERNS[opts.format]
    fails: exp.Expr = exp.Not(
        this=exp.RegexpFullMatch(this=value.copy(), expression=lit(pattern))
    )
    if opts.format is FormatName.salesforce_id:
        fails = exp.or_(fails, bad_checksum(value))
    relations: list[Relation] = []
    strict: list[StrictValues] = []
    if opts.strict:
        if opts.format not in STRICT_VALIDATORS:
            raise ctx.error(f"'strict' applies to email and phone formats, not {opts.format}")
        validator = STRICT_VALIDATORS[opts.format]
        if opts.format is FormatName.phone:
            validator = f"phone:{opts.region.upper()}"
        invalid = StrictValues(_strict_table(ctx, rule.field, validator), rule.field, validator)
        relation = _strict_relation(invalid, value)
        strict.append(invalid)
        relations.append(relation)
        found = exp.Not(this=exp.Is(this=col("v", relation.alias), expression=exp.null()))
        fails = exp.or_(fails, found)
    return ctx.row_check(
        fails,
        applies=ctx.present(rule.field),
        values=[(rule.field, value)],
        relations=relations,
        strict=strict,
    )


def checksum(value: exp.Expr) -> exp.Expr:
    """The 3-character case-safe suffix of the first 15 characters of ``value``, in SQL."""
    chars = [_chunk_char(value, chunk) for chunk in range(3)]
    return exp.DPipe(this=exp.DPipe(this=chars[0], expression=chars[1]), expression=chars[2])


def bad_checksum(value: exp.Expr) -> exp.Expr:
    """TRUE for an 18-character value whose last 3 characters are not its checksum.

    A CASE, so the checksum is only computed for 18-character values.
    """
    is_long = exp.EQ(this=exp.Length(this=value.copy()), expression=lit(18))
    suffix = exp.Substring(this=value.copy(), start=lit(16), length=lit(3))
    wrong = exp.NEQ(this=suffix, expression=checksum(value))
    return exp.Case(ifs=[exp.If(this=is_long, true=wrong)], default=exp.false())


def _chunk_char(value: exp.Expr, chunk: int) -> exp.Expr:
    bits: exp.Expr = lit(0)
    for j in range(5):
        char = exp.Substring(this=value.copy(), start=lit(chunk * 5 + j + 1), length=lit(1))
        upper = exp.Between(this=char, low=lit("A"), high=lit("Z"))
        term = exp.Case(ifs=[exp.If(this=upper, true=lit(1 << j))], default=lit(0))
        bits = term if j == 0 else exp.Add(this=bits, expression=term)
    position = exp.Add(this=exp.paren(bits), expression=lit(1))
    return exp.Substring(this=lit(CHECKSUM_ALPHABET), start=position, length=lit(1))


def _strict_table(ctx: RuleContext, field: str, validator: str) -> str:
    return f"__strict_{ctx.entity.entity}_{field}_{validator.replace(':', '_').lower()}"


def _strict_relation(invalid: StrictValues, value: exp.Expr) -> Relation:
    query = exp.select(col("v", None)).from_(table(invalid.table))
    alias = relation_alias("strict", query)
    on = exp.EQ(this=value.copy(), expression=col("v", alias))
    return Relation(alias, query, on)
