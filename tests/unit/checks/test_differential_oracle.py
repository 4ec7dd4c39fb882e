"""vmsdq against a plain-Python oracle written from docs/rules.md, on random small tables.

Tables hold what a CSV reader gives (text or NULL): blank strings, unicode, integers beyond
BIGINT, numbers that are not finite, dates that do not exist, and several references to one
target entity. The key is text or an integer whose values are sometimes no integer ("17.5",
"0x3", blank, NULL) or written otherwise (" 4 ", "+4", "4.0"): a failure's key is then the
text as read (docs/engine.md, "Keys"). Rules of every row kind get random options. For every
rule, the failing keys and the count of evaluated rows must be what the oracle says. No SQL
runs in the oracle.

``make test`` runs a bounded number of examples; ``HYPOTHESIS_PROFILE=nightly`` runs many more
(profiles in tests/conftest.py).
"""

from __future__ import annotations

import json
import math
import os
import re
import tempfile
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vmsdq.engine.testing import TableCase

BLANKS = " \t\r\n"
RE2_SPACE = " \t\n\f\r"  # RE2 \s, the space the exact casts allow around a value
TEXT = "aAbBzé É中ß-_0 \t\u00a0"  # lower() agrees in Python and DuckDB on these
INT_TEXT = ["0", "17", "-5", "+3", "17.0", " 42 ", "17.5", "0x1F", "1_000", "1e3", "abc"]
NUM_TEXT = ["0", "-0.5", ".5", "5.", "1e-5", "2.5E3", "NaN", "inf", "-Infinity", "1e309", "x1"]
DATE_TEXT = ["2024-02-29", "2023-02-29", "1999-12-31", "2031-01-01", "2024-01-01 00:00:00",
             "24-01-01", "infinity", " 2020-06-15 ", "2020-6-15", "2030-12-31"]  # fmt: skip
CODES = ["L1", "L2", "l1", "L3 ", "é", ""]
JSON_TEXT = ['{"a": 1}', "[1, 2]", '"x"', "1", "-0", "1e400", "null", "true", " [] ",
             "{'a': 1}", "{a: 1}", "01", "+1", ".5", "[1,]", '{"a": 1 , }', "[1,\n]", "[nan]",
             "NaN", "-Infinity", '{"a": 1}x', "[1] [2]", "tru", "/*c*/1", '"a,]"',
             '"\\u00e9"']  # fmt: skip
BIGINT = (-(2**63), 2**63 - 1)
NIGHTLY = os.environ.get("HYPOTHESIS_PROFILE") == "nightly"
EXAMPLES = settings.default.max_examples if NIGHTLY else 40  # about 0.4 s each

Row = dict[str, str | None]


def maybe(values: st.SearchStrategy[str]) -> st.SearchStrategy[str | None]:
    blanks = st.sampled_from(["", " ", "\t", " \r\n "])
    return st.one_of(st.none(), blanks, values)


def integers_as_text() -> st.SearchStrategy[str]:
    extreme = st.integers(min_value=BIGINT[0] - 2, max_value=BIGINT[1] + 2)
    near = st.integers(min_value=BIGINT[1] - 2, max_value=BIGINT[1] + 2)
    return st.one_of(st.sampled_from(INT_TEXT), st.integers(-30, 30).map(str), extreme.map(str),
                     near.map(str))  # fmt: skip


COLUMNS: dict[str, st.SearchStrategy[str | None]] = {
    "s": maybe(st.text(TEXT, max_size=4)),
    "t": maybe(st.sampled_from(["12345", "12345-6789", "1234", "abcde", "12345 ", "٠١٢٣٤"])),
    "n": maybe(integers_as_text()),
    "m": maybe(integers_as_text()),
    "x": maybe(st.one_of(st.sampled_from(NUM_TEXT), st.floats(-1e6, 1e6).map(repr))),
    "d": maybe(st.sampled_from(DATE_TEXT)),
    "origin": maybe(st.sampled_from(CODES)),
    "dest": maybe(st.sampled_from(CODES)),
    "via": maybe(st.sampled_from(CODES)),
    "j": maybe(st.sampled_from(JSON_TEXT)),
}


@dataclass(frozen=True)
class Options:
    allow_blank: bool
    allowed: list[str]
    ignore_case: bool
    length: tuple[int, int]
    n_bounds: tuple[int, int]
    x_bounds: tuple[float, float]
    exclusive: bool
    k: int
    decreasing: bool
    strict: bool


OPTIONS = st.builds(
    Options,
    allow_blank=st.booleans(),
    allowed=st.lists(st.text(TEXT, min_size=1, max_size=2), max_size=4),
    ignore_case=st.booleans(),
    length=st.tuples(st.integers(0, 2), st.integers(1, 4)),
    n_bounds=st.tuples(st.integers(-20, 5), st.integers(0, 2**63 - 1)),
    x_bounds=st.tuples(st.floats(-1e3, 0), st.floats(0, 1e4)),
    exclusive=st.booleans(),
    k=st.integers(-10, 10),
    decreasing=st.booleans(),
    strict=st.booleans(),
)
ROWS = st.lists(st.fixed_dictionaries(COLUMNS), min_size=1, max_size=12)
TARGETS = st.lists(maybe(st.sampled_from(CODES)), max_size=5)
MAX_ROWS = 12
# an integer key: per row one of these around a value no other row casts to (or no integer)
SPELLINGS = ["{}", " {} ", "{}.0", "+{}", "0{}", "{}.5", "0x{}", "1e{}", "9999999999999999999{}"]


def spelled(values: list[int], spellings: list[str | None]) -> list[str | None]:
    pairs = zip(values, spellings, strict=True)
    return [s if s is None or "{" not in s else s.format(v) for v, s in pairs]


INTEGER_IDS = st.one_of(
    st.none(),  # text ids r0, r1, ...
    st.builds(
        spelled,
        st.permutations(list(range(-3, MAX_ROWS - 3))),
        st.lists(st.one_of(st.sampled_from(SPELLINGS), st.sampled_from(["", " ", None])),
                 min_size=MAX_ROWS, max_size=MAX_ROWS),
    ),
)  # fmt: skip


def fields(o: Options, integer_key: bool) -> dict[str, Any]:
    return {
        "id": {"type": "integer"} if integer_key else {},
        "s": {
            "required": {"allow_blank": o.allow_blank},
            "allowed": {"values": o.allowed, "ignore_case": o.ignore_case},
            "length": {"min": o.length[0], "max": o.length[1]},
        },
        "t": {"unique": True, "format": "postal_code"},
        "n": {"type": "integer", "min": o.n_bounds[0], "max": o.n_bounds[1]},
        "m": {"type": "integer"},
        "x": {
            "type": "number",
            "range": {"min": o.x_bounds[0], "max": o.x_bounds[1], "exclusive": o.exclusive},
        },  # fmt: skip
        "d": {"type": "date", "min": "2000-01-01", "max": "2030-12-31"},
        "origin": {"references": "loc"},
        "dest": {"references": "loc"},
        "via": {},
        "j": {"json_text": True},
    }


def rules(o: Options) -> list[dict[str, Any]]:
    return [
        {"name": "via_known", "type": "reference", "entity": "loc", "columns": ["via"]},
        {"name": "n_at_least_k", "type": "expression", "check": f"n >= {o.k}"},
        {
            "name": "n_above_m",
            "type": "expression",
            "check": "n > m OR s = 'a'",
            "when": "x IS NOT NULL",
        },  # fmt: skip
        {"name": "m_or_zero", "type": "expression", "check": f"coalesce(m, 0) < {o.k}"},
        {
            "name": "m_in_order",
            "type": "monotonic",
            "field": "m",
            "order_by": ["d"],
            "within": ["origin"],
            "direction": "decreasing" if o.decreasing else "increasing",
            "strict": o.strict,
        },
    ]


def present(value: Any) -> bool:
    """Not NULL and, for text, some character other than space, tab, CR, LF."""
    if value is None:
        return False
    return not isinstance(value, str) or any(c not in BLANKS for c in value)


def as_integer(raw: str | None) -> int | None:
    text = (raw or "").strip(RE2_SPACE)
    if raw is None or not re.fullmatch(r"[+-]?[0-9]+(\.0*)?", text):
        return None
    value = int(text.split(".")[0])
    return value if BIGINT[0] <= value <= BIGINT[1] else None


def as_number(raw: str | None) -> float | None:
    text = (raw or "").strip(RE2_SPACE)
    if raw is None or not re.fullmatch(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?", text):
        return None
    value = float(text)
    return value if math.isfinite(value) else None


def as_date(raw: str | None) -> date | None:
    text = (raw or "").strip(RE2_SPACE)
    match = re.fullmatch(r"([0-9]{4}-[0-9]{2}-[0-9]{2})( 00:00:00)?", text)
    if raw is None or match is None:
        return None
    try:
        return date.fromisoformat(match[1])
    except ValueError:
        return None


CASTS: dict[str, Callable[[str | None], Any]] = {"n": as_integer, "m": as_integer,
                                                 "x": as_number, "d": as_date}  # fmt: skip


def typed(row: Row, integer_key: bool) -> dict[str, Any]:
    casts = CASTS | ({"id": as_integer} if integer_key else {})
    return {name: casts.get(name, lambda v: v)(value) for name, value in row.items()}


def or3(a: bool | None, b: bool | None) -> bool | None:
    """SQL OR over TRUE, FALSE and NULL (None)."""
    if a is True or b is True:
        return True
    return None if a is None or b is None else False


def compare(a: Any, b: Any, op: Callable[[Any, Any], bool]) -> bool | None:
    return None if a is None or b is None else op(a, b)


Outcome = tuple[int, list[str | None]]  # rows evaluated, sorted failing keys


def field_rules(o: Options, raw: list[Row], rows: list[dict[str, Any]], targets: set[str],
                integer_key: bool) -> dict[str, list[bool | None]]:  # fmt: skip
    """Per rule, per row: None (not evaluated), False (passes) or True (fails)."""
    out: dict[str, list[bool | None]] = {}

    def each(name: str, applies: Callable[[int], bool], fails: Callable[[int], bool]) -> None:
        out[name] = [fails(i) if applies(i) else None for i in range(len(rows))]

    every = range(len(rows))
    each("trip.s.required", lambda i: True,
         lambda i: raw[i]["s"] is None if o.allow_blank else not present(raw[i]["s"]))  # fmt: skip
    fold = (lambda v: v.lower()) if o.ignore_case else (lambda v: v)
    allowed = {fold(v) for v in o.allowed}
    each(
        "trip.s.allowed",
        lambda i: present(rows[i]["s"]),
        lambda i: fold(rows[i]["s"]) not in allowed,
    )
    each("trip.s.length", lambda i: present(rows[i]["s"]),
         lambda i: not o.length[0] <= len(rows[i]["s"]) <= o.length[1])  # fmt: skip
    each("trip.t.format", lambda i: present(rows[i]["t"]),
         lambda i: re.fullmatch(r"[0-9]{5}(-[0-9]{4})?", rows[i]["t"]) is None)  # fmt: skip
    counts = Counter(rows[i]["t"] for i in every if present(rows[i]["t"]))
    each("trip.t.unique", lambda i: present(rows[i]["t"]), lambda i: counts[rows[i]["t"]] > 1)
    for name in [*CASTS, "id"] if integer_key else CASTS:
        each(f"trip.{name}.type", lambda i, f=name: present(raw[i][f]),
             lambda i, f=name: rows[i][f] is None)  # fmt: skip
    lo, hi = o.n_bounds
    each("trip.n.range", lambda i: rows[i]["n"] is not None, lambda i: not lo <= rows[i]["n"] <= hi)
    xlo, xhi = o.x_bounds
    inside = (lambda v: xlo < v < xhi) if o.exclusive else (lambda v: xlo <= v <= xhi)
    each("trip.x.range", lambda i: rows[i]["x"] is not None, lambda i: not inside(rows[i]["x"]))
    dlo, dhi = date(2000, 1, 1), date(2030, 12, 31)
    each(
        "trip.d.range", lambda i: rows[i]["d"] is not None, lambda i: not dlo <= rows[i]["d"] <= dhi
    )
    for name, rule in (("origin", "trip.origin.references"), ("dest", "trip.dest.references"),
                       ("via", "trip.via_known")):  # fmt: skip
        each(
            rule, lambda i, f=name: present(rows[i][f]), lambda i, f=name: rows[i][f] not in targets
        )
    each("trip.j.json", lambda i: present(rows[i]["j"]), lambda i: not strict_json(rows[i]["j"]))
    out["trip.m_in_order"] = in_order(o, rows)
    return out


def strict_json(text: str) -> bool:
    """RFC 8259: Python's parser without its NaN and Infinity extension."""

    def refuse(constant: str) -> None:
        raise ValueError(constant)

    try:
        json.loads(text, parse_constant=refuse)
    except ValueError:
        return False
    return True


def in_order(o: Options, rows: list[dict[str, Any]]) -> list[bool | None]:
    """monotonic: rows with key, field, order and group present, in (order, typed key) order
    within each group; a row fails against its predecessor; the first of a group passes."""
    flags: list[bool | None] = [None] * len(rows)
    groups: dict[str, list[int]] = {}
    for i, row in enumerate(rows):
        if all(present(row[c]) for c in ("id", "m", "d", "origin")):
            groups.setdefault(row["origin"], []).append(i)
    worse: Callable[[int, int], bool]
    if o.decreasing:
        worse = (lambda cur, prev: cur >= prev) if o.strict else (lambda cur, prev: cur > prev)
    else:
        worse = (lambda cur, prev: cur <= prev) if o.strict else (lambda cur, prev: cur < prev)
    for members in groups.values():
        ordered = sorted(members, key=lambda i: (rows[i]["d"], rows[i]["id"]))
        flags[ordered[0]] = False
        for prev, cur in zip(ordered, ordered[1:], strict=False):
            flags[cur] = worse(rows[cur]["m"], rows[prev]["m"])
    return flags


def expression_rules(o: Options, rows: list[dict[str, Any]]) -> dict[str, list[bool | None]]:
    """Evaluated where ``when`` is TRUE and the check is not NULL; fails where it is FALSE."""
    checks: dict[str, Callable[[dict[str, Any]], tuple[bool | None, bool | None]]] = {
        "trip.n_at_least_k": lambda r: (True, compare(r["n"], o.k, lambda a, b: a >= b)),
        "trip.n_above_m": lambda r: (
            r["x"] is not None,
            or3(compare(r["n"], r["m"], lambda a, b: a > b), compare(r["s"], "a", str.__eq__)),
        ),
        "trip.m_or_zero": lambda r: (True, (0 if r["m"] is None else r["m"]) < o.k),
    }
    out: dict[str, list[bool | None]] = {}
    for name, check in checks.items():
        verdicts = [check(row) for row in rows]
        out[name] = [None if when is not True or ok is None else not ok for when, ok in verdicts]
    return out


def with_ids(raw: list[Row], ids: list[str | None] | None) -> list[Row]:
    """The rows with their key ``id``: ``r0``, ``r1``, ... or the drawn integer ids."""
    return [{"id": f"r{i}" if ids is None else ids[i], **row} for i, row in enumerate(raw)]


def by_text(keys: list[str | None]) -> list[str | None]:
    """Keys sorted as ``CaseResult.failing`` sorts them: a NULL key first."""
    return sorted(keys, key=lambda k: (k is not None, k or ""))


def oracle(
    o: Options, raw: list[Row], target_raw: list[str | None], ids: list[str | None] | None
) -> dict[str, Outcome]:
    raw = with_ids(raw, ids)
    keys = [r["id"] for r in raw]  # text as read: the failure's key of every row
    rows = [typed(r, ids is not None) for r in raw]
    targets = {v for v in target_raw if v is not None}
    flags = field_rules(o, raw, rows, targets, ids is not None) | expression_rules(o, rows)
    return {
        name: (
            sum(f is not None for f in per_row),
            by_text([k for k, f in zip(keys, per_row, strict=True) if f]),
        )
        for name, per_row in flags.items()
    }


def vmsdq(
    o: Options, raw: list[Row], target_raw: list[str | None], ids: list[str | None] | None
) -> dict[str, Outcome]:
    loc = {"entity": "loc", "key": "code", "fields": {"code": {}}}
    rows = with_ids(raw, ids)
    case = TableCase("trip", fields(o, ids is not None), rules(o)).rows(*rows)
    case.with_entity(loc, [{"code": code} for code in target_raw])
    case.schema = {name: pa.string() for name in ("id", *COLUMNS)}
    with tempfile.TemporaryDirectory() as tmp:
        result = case.run(Path(tmp))
        return {
            rule.rule: (rule.evaluated, result.failing(rule.rule) if rule.failed else [])
            for rule in result.entity("trip").rules
        }


@pytest.mark.timeout(0 if NIGHTLY else 300)  # nightly: minutes, not the suite's bound
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(options=OPTIONS, raw=ROWS, target_raw=TARGETS, ids=INTEGER_IDS)
def test_failing_keys_and_evaluated_rows_match_the_oracle(
    options: Options, raw: list[Row], target_raw: list[str | None], ids: list[str | None] | None
) -> None:
    expected = oracle(options, raw, target_raw, ids)
    got = vmsdq(options, raw, target_raw, ids)
    assert {name: got.get(name) for name in expected} == expected
    assert set(got) - set(expected) <= {"trip.id.required", "trip.id.unique"}
