"""Salesforce record Ids in one form: the 18-character case-safe Id.

The API always returns 18-character Ids; people and other systems often keep the
15-character form, which is case-sensitive. ``canonical_id`` maps both to the same
18-character value (the case of an 18-character Id is restored from its suffix, so an
upper- or lower-cased copy still matches); anything that is not an Id is returned unchanged.
``join_key_sql`` is what the reconcile joins compare: the same Id upper-cased.
"""

from __future__ import annotations

import re
import string

from sqlglot import exp

SUFFIX = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
ID15 = r"[A-Za-z0-9]{15}"  # the shapes, for a whole text (vectorised callers anchor them)
ID18 = r"[A-Za-z0-9]{15}[A-Za-z0-5]{3}"
_ID15 = re.compile(ID15)
_ID18 = re.compile(ID18)


_FLAGS = str.maketrans(
    string.ascii_uppercase + string.ascii_lowercase + string.digits, "1" * 26 + "0" * 36
)
_CASE_MASKS = {c: f"{i:05b}"[::-1] for i, c in enumerate(SUFFIX)}  # suffix char -> 5 flags


def checksum(body: str) -> str:
    """The 3-character case-safe suffix of a 15-character Id."""
    flags = body[:15].translate(_FLAGS).ljust(15, "0")  # 1 for each upper-case letter
    if flags.strip("01"):  # not an Id's characters: only A-Z count
        flags = "".join("1" if "A" <= c <= "Z" else "0" for c in body[:15]).ljust(15, "0")
    return "".join(SUFFIX[int(flags[i : i + 5][::-1], 2)] for i in (0, 5, 10))  # bit j = char j


def canonical_id(value: str | None) -> str | None:
    """The 18-character case-safe form of a 15- or 18-character Id; other text unchanged."""
    if value is None:
        return None
    if _ID15.fullmatch(value):
        return value + checksum(value)
    if _ID18.fullmatch(value):
        suffix = value[15:].upper()
        mask = "".join(_CASE_MASKS[c] for c in suffix)
        body = "".join(
            c.upper() if m == "1" else c.lower() for c, m in zip(value[:15], mask, strict=True)
        )
        return body + suffix
    return value


def is_salesforce_id(value: str | None) -> bool:
    """An 18-character Id whose suffix matches its case, as the API returns them."""
    return (
        value is not None
        and _ID18.fullmatch(value) is not None
        and (value[15:] == checksum(value[:15]))
    )


def to_18(value: str) -> str:
    """The 18-character form of a valid 15- or 18-character Id; raises ValueError otherwise."""
    out = canonical_id(value)
    if out is None or out == value and not is_salesforce_id(value):
        raise ValueError(f"{value!r} is not a Salesforce Id")
    return out


def _char(value: exp.Expr, pos: int) -> exp.Expr:
    return exp.Substring(
        this=value.copy(), start=exp.Literal.number(pos + 1), length=exp.Literal.number(1)
    )


def _is_upper(char: exp.Expr) -> exp.Expr:
    return exp.Between(this=char, low=exp.Literal.string("A"), high=exp.Literal.string("Z"))


def _checksum_sql(value: exp.Expr) -> exp.Expr:
    chars: list[exp.Expr] = []
    for chunk in range(3):
        bits: exp.Expr = exp.Literal.number(0)
        for j in range(5):
            flag = exp.If(
                this=_is_upper(_char(value, chunk * 5 + j)), true=exp.Literal.number(1 << j)
            )
            bits = exp.Add(
                this=bits, expression=exp.Case(ifs=[flag], default=exp.Literal.number(0))
            )
        start = exp.Add(this=bits, expression=exp.Literal.number(1))
        chars.append(
            exp.Substring(
                this=exp.Literal.string(SUFFIX), start=start, length=exp.Literal.number(1)
            )
        )
    return exp.Concat(expressions=chars)


def join_key(value: str | None) -> str | None:
    """What reconcile joins on: the 18-character form of an Id, upper-cased (18-character Ids
    are unique without regard to case); text of other lengths unchanged."""
    if value is None:
        return None
    if len(value) == 15:
        return (value + checksum(value)).upper()
    return value.upper() if len(value) == 18 else value


def join_key_sql(value: exp.Expr) -> exp.Expr:
    """``join_key`` as a DuckDB expression over the text ``value`` (cheap: no pattern match)."""
    size = exp.Length(this=value.copy())
    short = exp.Upper(this=exp.Concat(expressions=[value.copy(), _checksum_sql(value)]))
    return exp.Case(
        ifs=[
            exp.If(this=exp.EQ(this=size, expression=exp.Literal.number(18)),
                   true=exp.Upper(this=value.copy())),
            exp.If(this=exp.EQ(this=size.copy(), expression=exp.Literal.number(15)), true=short),
        ],
        default=value.copy(),
    )  # fmt: skip
