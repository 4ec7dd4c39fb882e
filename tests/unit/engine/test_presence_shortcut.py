"""The DuckDB-only presence shortcut (``plan.duckdb_sql``) decides exactly as the RE2 test."""

from __future__ import annotations

import duckdb
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlglot import exp

from vmsdq.checks.sql import col, is_present
from vmsdq.engine.plan import ABOVE_BLANKS, duckdb_sql

_TEXT = st.text(
    alphabet=st.sampled_from(
        [" ", "\t", "\r", "\n", "\x00", "\x01", "\x1f", "!", "a", "Z", "é", "😀"]
    ),
    max_size=4,
)


def _present(values: list[str | None], *, shortcut: bool) -> list[bool | None]:
    test = is_present(col("v", None), text=True)
    query = exp.select(exp.alias_(test, "p")).from_("t").order_by("i")
    sql = duckdb_sql(query) if shortcut else query.sql(dialect="duckdb")
    con = duckdb.connect()
    con.execute("CREATE TABLE t (i INTEGER, v VARCHAR)")
    con.executemany("INSERT INTO t VALUES (?, ?)", list(enumerate(values)))
    return [row[0] for row in con.execute(sql).fetchall()]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.none() | _TEXT, min_size=1, max_size=20))
def test_shortcut_decides_like_the_regular_expression(values):
    assert _present(values, shortcut=True) == _present(values, shortcut=False)


def test_shortcut_is_in_the_duckdb_statement_only():
    query = exp.select(is_present(col("v", None), text=True)).from_("t")
    assert f"'{ABOVE_BLANKS}'" in duckdb_sql(query.copy())
    assert f"'{ABOVE_BLANKS}'" not in query.sql(dialect="duckdb")


def test_blank_and_missing_values_are_not_present():
    values = [None, "", " ", "\t\r\n ", " x", "\x01", "x"]
    assert _present(values, shortcut=True) == [False, False, False, False, True, True, True]
