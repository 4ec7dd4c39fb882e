"""Expressions of one shape parse once: the reused tree is the tree a parse gives."""

from __future__ import annotations

import pytest

from vmsdq.core.errors import SandboxError
from vmsdq.spec import sandbox, sandbox_shapes
from vmsdq.spec.sandbox import parse_expression


def _fresh(sql: str) -> str:
    tree = sandbox.parse_one(sql, sandbox._Refused)
    sandbox._walk(tree)
    return tree.sql("duckdb")


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("s1 IS NOT NULL AND s0 IS NOT NULL", "s7 IS NOT NULL AND s6 IS NOT NULL"),
        (
            "coalesce(length(cast(s1 AS VARCHAR)), 0) + 3 >= 0",
            "coalesce(length(cast(s2 AS VARCHAR)), 7) + 9 >= 7",
        ),
        ("sa = sa", "sb = sb"),
        ("sa + 1.5 > sb", "sc + 2e3 > sd"),
        ("CASE WHEN sx > 1 THEN sy ELSE sz END > 2", "CASE WHEN su > 4 THEN sv ELSE sw END > 5"),
    ],
)
def test_a_second_text_of_a_shape_gives_what_a_parse_gives(first: str, second: str) -> None:
    parse_expression(first, rule="r")
    assert sandbox_shapes.reuse(sandbox_shapes.holes(second, sandbox._SHAPE_WORDS)) is not None  # type: ignore[arg-type]
    tree = parse_expression(second, rule="r")
    assert tree.sql("duckdb") == _fresh(second)
    assert sandbox._verdict(second).columns == sandbox._parse(second)[1]  # type: ignore[index]


def test_same_and_different_names_are_two_shapes() -> None:
    same = sandbox_shapes.holes("ta = ta", ())
    other = sandbox_shapes.holes("ta = tb", ())
    assert same is not None and other is not None and same.shape != other.shape


def test_function_names_and_date_parts_are_not_holes() -> None:
    parse_expression("lower(ua) = 'x'", rule="r")
    tree = parse_expression("upper(ub) = 'x'", rule="r")
    assert tree.sql("duckdb") == "UPPER(ub) = 'x'"
    parse_expression("date_diff('day', ud, ue) > 1", rule="r")
    assert sandbox_shapes.holes("ux + INTERVAL 1 day > now()", sandbox._SHAPE_WORDS) is not None
    found = sandbox_shapes.holes("ux + INTERVAL 1 day > now()", sandbox._SHAPE_WORDS)
    assert found is not None and ("$", 1) not in found.shape  # 'day' stays a word


def test_a_refused_text_leaves_no_shape_and_its_twin_is_refused_too() -> None:
    for sql in ("t.va = 1", "t.vb = 1"):
        with pytest.raises(SandboxError, match="qualified column reference"):
            parse_expression(sql, rule="r")
    found = sandbox_shapes.holes("t.vc = 1", ())
    assert found is not None and sandbox_shapes.reuse(found) is None


def test_unknown_columns_are_still_named_for_a_reused_shape() -> None:
    parse_expression("wa > 1", rule="r", columns={"wa"})
    with pytest.raises(SandboxError, match="unknown column 'wb'"):
        parse_expression("wb > 1", rule="r", columns={"wa"})


TEMPLATES = [
    "{0} IS NOT NULL AND {1} > 3",
    "{0} + {1} * 2 >= 10",
    "{0} = {1}",
    "{0}",
    "NOT {0}",
    "{0} BETWEEN 1 AND {1}",
    "{0} IN (1, 2, {1})",
    "coalesce({0}, {1}) > 0",
    "{0} + INTERVAL 1 {1} > now()",
    "{0} IS {1}",
    "{0} {1}",
    "CASE WHEN {0} THEN {1} ELSE 0 END = 1",
    "cast({0} AS {1}) > 1",
    "extract({0} FROM {1}) > 1",
    "{0} AT TIME ZONE {1} > now()",
    "{0} COLLATE {1} = 'x'",
    "{0}::{1} > 1",
    "-{0} > {1}",
    "{0} % {1} = 0",
    "{0} > {1} {1}",
]
WORDS = [
    "day", "days", "year", "epoch", "read_text", "read_csv", "current_date", "current_timestamp",
    "now", "nulls", "ignore", "respect", "interval", "zone", "time", "at", "true", "null",
    "rowid", "getvariable", "varchar", "int", "first", "last", "distinct", "over", "filter",
    "escape", "collate", "similar", "glob", "e", "inf", "nan", "x", "y2", "query", "columns",
]  # fmt: skip
NUMBERS = ["1", "1.5", "1e3", ".5", "1_000", "0010", "99999999999999999999999"]


def _outcome(sql: str) -> object:
    """What the sandbox says of ``sql`` without the shapes: SQL, columns, depth or refusal."""
    try:
        tree = sandbox.parse_one(sql, sandbox._Refused)
        columns, depth = sandbox._walk(tree)
    except sandbox._Refused as refused:
        return refused.message
    return tree.sql("duckdb"), columns, depth


def _shaped(sql: str) -> object:
    found = sandbox._parse(sql)
    if isinstance(found, str):
        return found
    tree, columns, depth = found
    return tree.sql("duckdb"), columns, depth


@pytest.mark.parametrize("template", TEMPLATES)
def test_a_twin_of_an_allowed_shape_gets_the_verdict_of_its_own_parse(template: str) -> None:
    """Differential: the shape is first taken from harmless column names, then every pair of
    words the parser may read by their text (functions, date parts, keywords, types) and
    every number spelling fills it; each verdict equals a fresh parse of that text."""
    sandbox_shapes._SHAPES.clear()
    for benign in (("ca", "cb"), ("1", "2")):
        _shaped(template.format(*benign))
    fills = [(a, b) for a in WORDS[::3] for b in WORDS] + [(a, b) for a in NUMBERS for b in NUMBERS]
    for a, b in fills:
        sql = template.format(a, b)
        assert _shaped(sql) == _outcome(sql), sql
