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
ALNUM = "[a-zA-Z0-9]"
STRICT_VALIDATORS = {FormatName.email: "email", FormatName.phone: "phone"}


def compile_format(rule: FieldRule, ctx: RuleContext) -> Check:
    opts = rule.opts
    value = ctx.column(rule.field)
    pattern = opts.pattern if opts.format is FormatName.regex else PATTERNS[opts.format]
    fails: exp.Expr = exp.Not(this=exp.RegexpFullMatch(this=value.copy(), expression=lit(pattern)))
    if opts.format is FormatName.salesforce_id:  # the pattern, plus the checksum
        fails = salesforce_id_fails(value)
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
        fails = exp.or_(fails, found, copy=False)
    return ctx.row_check(
        fails,
        applies=ctx.present(rule.field),
        values=[(rule.field, value)],
        relations=relations,
        strict=strict,
    )


def checksum_patterns() -> list[str]:
    """Three RE2 patterns; an 18-character id is well formed with a valid suffix exactly
    when it matches all three.

    Pattern i pairs chunk i (characters 5i..5i+4) with suffix character 15+i: one
    alternative per 5-bit value b, where bit j says "character j of the chunk is A-Z" and
    the suffix character is ``CHECKSUM_ALPHABET[b]``; every other position is alphanumeric.
    Full-string patterns avoid substring copies, which cost more than the match itself.
    """
    patterns = []
    for chunk in range(3):
        before, between, after = chunk * 5, 10 - 4 * chunk, 2 - chunk
        alternatives = []
        for bits in range(32):
            body = "".join("[A-Z]" if bits >> j & 1 else "[a-z0-9]" for j in range(5))
            head = f"{ALNUM}{{{before}}}" if before else ""
            tail = f"{ALNUM}{{{after}}}" if after else ""
            suffix = CHECKSUM_ALPHABET[bits]
            alternatives.append(f"{head}{body}{ALNUM}{{{between}}}{suffix}{tail}")
        patterns.append("|".join(alternatives))
    return patterns


def salesforce_id_fails(value: exp.Expr) -> exp.Expr:
    """Not 15 alphanumerics, nor 18 whose last 3 are the checksum of the first 15.

    A CASE on the length, so each value is matched once per pattern that concerns it.
    """
    length = exp.Length(this=value.copy())
    matches = [
        exp.RegexpFullMatch(this=value.copy(), expression=lit(pattern))
        for pattern in checksum_patterns()
    ]
    short = exp.RegexpFullMatch(this=value.copy(), expression=lit(f"{ALNUM}{{15}}"))
    return exp.Case(
        ifs=[
            exp.If(
                this=exp.EQ(this=length, expression=lit(18)),
                true=_not(exp.and_(*matches, copy=False)),
            ),
            exp.If(this=exp.EQ(this=length.copy(), expression=lit(15)), true=_not(short)),
        ],
        default=exp.true(),
    )


def _not(condition: exp.Expr) -> exp.Expr:
    return exp.Not(this=exp.paren(condition, copy=False))


def _strict_table(ctx: RuleContext, field: str, validator: str) -> str:
    return f"__strict_{ctx.entity.entity}_{field}_{validator.replace(':', '_').lower()}"


def _strict_relation(invalid: StrictValues, value: exp.Expr) -> Relation:
    query = exp.select(col("v", None)).from_(table(invalid.table), copy=False)
    alias = relation_alias("strict", query)
    on = exp.EQ(this=value.copy(), expression=col("v", alias))
    return Relation(alias, query, on)
