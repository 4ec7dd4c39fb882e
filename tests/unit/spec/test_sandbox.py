"""The expression sandbox: what users may write in check/when/where, and what they are told."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlglot import exp

from vmsdq.core.errors import ConfigError, Location, SandboxError
from vmsdq.spec import sandbox
from vmsdq.spec.sandbox import parse_expression

LOC = Location("entities/event.yaml", 12, 14)
COLUMNS = ["status", "start_date", "end_date", "registered", "capacity", "email", "reason"]


def refused(sql: str, columns: list[str] | None = COLUMNS) -> str:
    with pytest.raises(SandboxError) as info:
        parse_expression(sql, rule="event.check", location=LOC, columns=columns)
    assert isinstance(info.value, ConfigError)
    return str(info.value)


@pytest.mark.parametrize(
    "sql",
    [
        "end_date >= start_date",
        "registered <= capacity AND capacity BETWEEN 1 AND 10000",
        "status NOT IN ('cancelled', 'draft') OR reason IS NOT NULL",
        "lower(trim(email)) LIKE '%@%' AND email NOT ILIKE '%example.com'",
        "date_diff('minute', start_date, end_date) BETWEEN 15 AND 43200",
        "extract(year FROM start_date) >= 2000 AND date_part('month', end_date) <= 12",
        "CASE WHEN status = 'done' THEN registered ELSE 0 END >= 0",
        "CAST(capacity AS INTEGER) > 0 AND TRY_CAST(reason AS DATE) IS NULL",
        "start_date < DATE '2030-01-01' AND end_date <= now() + INTERVAL 30 DAY",
        "coalesce(nullif(trim(reason), ''), 'x') <> 'x' AND length(reason) < 500",
        "regexp_full_match(email, '^[^@]+@[^@]+$') AND NOT starts_with(email, ' ')",
        "registered % 2 = 0 OR abs(round(capacity / 3.0, 1)) > greatest(1, least(2, 3))",
        "start_date <= current_date AND year(start_date) > 1999 AND epoch(end_date) > 0",
        "status = 'open' /* comment */",
    ],
)
def test_allowed_expressions_parse(sql: str) -> None:
    tree = parse_expression(sql, rule="event.check", location=LOC, columns=COLUMNS)
    assert isinstance(tree, exp.Expression)
    assert "/*" not in tree.sql("duckdb")


def test_returns_a_fresh_tree_each_time() -> None:
    a = parse_expression("status = 'x'", rule="r")
    b = parse_expression("status = 'x'", rule="r")
    assert a is not b and a == b


def test_a_changed_tree_does_not_change_the_next_parse_of_the_same_text() -> None:
    first = parse_expression("status = 'x' AND registered > 1", rule="r")
    first.find(exp.Literal).replace(exp.Literal.string("changed"))  # type: ignore[union-attr]
    first.set("this", exp.column("other"))
    again = parse_expression("status = 'x' AND registered > 1", rule="r")
    assert again.sql("duckdb") == "status = 'x' AND registered > 1"


def test_a_text_parsed_before_is_still_checked_against_each_call() -> None:
    parse_expression("statuss = 'open'", rule="r")  # no column list: allowed
    assert "unknown column 'statuss'" in refused("statuss = 'open'")
    for i in range(2):  # a refusal is given again, with the rule and place of each caller
        with pytest.raises(SandboxError) as info:
            parse_expression("glob('*') IS NULL", rule=f"event.r{i}")
        assert str(info.value).startswith(f"rule 'event.r{i}': table function 'glob'")


@pytest.mark.parametrize(
    ("sql", "message"),
    [
        ("status IN (SELECT status FROM event)", "subqueries are not allowed"),
        ("EXISTS (SELECT 1)", "subqueries are not allowed"),
        ("read_csv('/etc/passwd') IS NULL", "table function 'read_csv' is not allowed"),
        ("read_parquet('x.parquet') IS NULL", "table function 'read_parquet' is not allowed"),
        ("glob('*') IS NULL", "table function 'glob' is not allowed"),
        ("SELECT * FROM event", "statements (SELECT) are not allowed"),
        ("DROP TABLE event", "statements (DROP) are not allowed"),
        ("ATTACH 'other.db' AS o", "statements (ATTACH) are not allowed"),
        ("COPY event TO 'out.csv'", "statements (COPY) are not allowed"),
        ("PRAGMA version", "statements (PRAGMA) are not allowed"),
        ("SET threads = 1", "statements (SET) are not allowed"),
        ("status = 'a'; DROP TABLE event", "';' is not allowed"),
        ("status = 'a';", "';' is not allowed"),
        ("count(*) > 1", "aggregate function COUNT is not allowed"),
        ("sum(registered) OVER () > 1", "window functions are not allowed"),
        ("event.status = 'a'", "qualified column reference 'event.status' is not allowed"),
        ("status = ?", "parameters and placeholders ('?') are not allowed"),
        ("status = $1", "parameters and placeholders ('$1') are not allowed"),
        ("getenv('HOME') = 'x'", "function 'getenv' is not allowed (allowed functions: abs,"),
        ("CAST(status AS INT[]) IS NULL", "cast to 'INT[]' is not allowed"),
        ("status[1] = 'a'", "'status[1]' is not allowed"),
        ("", "the expression is empty"),
    ],
)
def test_refused_expressions_say_what_and_where(sql: str, message: str) -> None:
    text = refused(sql)
    assert text.startswith("entities/event.yaml:12:14: rule 'event.check': ")
    assert message in text


def test_star_is_refused() -> None:
    assert "'*' is not allowed: name the columns" in refused("* IS NULL")


def test_unknown_column_lists_the_known_ones() -> None:
    assert refused("statuss = 'open'") == (
        "entities/event.yaml:12:14: rule 'event.check': unknown column 'statuss' (known columns:"
        " capacity, email, end_date, reason, registered, start_date, status)"
        " (in expression \"statuss = 'open'\")"
    )


def test_an_unknown_column_of_a_wide_entity_names_the_closest_not_all() -> None:
    columns = [f"field_{i}" for i in range(5000)]
    text = refused("field_49999 > 1", columns)
    assert "unknown column 'field_49999' (did you mean field_4999" in text
    assert "the entity has 5,000 columns)" in text and len(text) < 400


def test_any_column_without_a_column_list() -> None:
    parse_expression("anything > 1", rule="r")


def test_parse_error_names_the_column() -> None:
    text = refused("status = ")
    assert "rule 'event.check': cannot parse at column" in text
    assert "the expression is incomplete" in text


def test_without_location_the_message_starts_with_the_rule() -> None:
    with pytest.raises(SandboxError) as info:
        parse_expression("foo(status)", rule="event.x")
    assert str(info.value).startswith("rule 'event.x': function 'foo' is not allowed")


TOKENS = [
    "status", "start_date", "t.x", "'a'", "1", "2.5", "NULL", "TRUE", "(", ")", ",", "=", "<",
    ">=", "<>", "+", "-", "*", "/", "%", "||", "AND", "OR", "NOT", "IS", "IN", "BETWEEN",
    "LIKE", "CASE", "WHEN", "THEN", "ELSE", "END", "CAST", "AS", "INT", "DATE", "INTERVAL",
    "DAY", "SELECT", "FROM", "WHERE", "DROP", "TABLE", "ATTACH", "COPY", "PRAGMA", ";", "?",
    "$1", "lower", "coalesce", "count", "sum", "OVER", "read_csv", "glob", "getenv", "[", "]",
    "{", "}", ":", "::", ".", "EXISTS", "UNION", "--", "/*", "*/", '"', "lambda", "->", "@",
]  # fmt: skip
SAFE = (
    *sandbox._NODES, *sandbox._FUNCTIONS, exp.Column, exp.Identifier, exp.Var, exp.In,
    exp.DataType, exp.Anonymous,
)  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(TOKENS), min_size=1, max_size=14))
def test_token_soup_is_refused_or_safe(tokens: list[str]) -> None:
    sql = " ".join(tokens)
    try:
        tree = parse_expression(sql, rule="soup", columns=["status", "start_date"])
    except SandboxError:
        return
    for node in tree.walk():
        assert isinstance(node, SAFE), (sql, node)
        assert not isinstance(node, exp.Anonymous) or node.name.lower() in sandbox._ANONYMOUS
        assert not isinstance(node, exp.Column) or node.name in ("status", "start_date")
    tree.sql("duckdb")
