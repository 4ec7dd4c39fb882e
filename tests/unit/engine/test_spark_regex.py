"""The RE2 patterns Spark's Java regular expressions match as DuckDB does (no Java needed)."""

from __future__ import annotations

import pytest

from vmsdq.checks.rules.format import PATTERNS, checksum_patterns
from vmsdq.engine.spark_regex import java_differs
from vmsdq.spec.models import FormatName

SAME = [r"^V\d{8}$", r"^V[0-9]{8}$", r"\.", r"x|^y$", r"^(a|b)$", r"(?:ab)+?", r"a{2,5}",
        r"[^a-z\-]", r"[\d\w]", r"\t\n", "é+"]  # fmt: skip
DIFFERENT = {
    r"a\sb": "the escape \\s",
    r"[[:alpha:]]+": "'[' inside a class",
    r"(a$)": "'$' inside the pattern",
    r"a$b": "'$' inside the pattern",
    r"b^a": "'^' inside the pattern",
    r"(?i)abc": "a group with flags",
    r"(?P<n>a)": "a group with flags",
    r"a*+": "a possessive repeat",
    r"[a&&b]": "'&&' in a class",
    r"a{2,1}": "reversed",
    r"a{1001}": "beyond 1000",
    r"a{,3}": "a '{' that is no repeat",
    r"[]a]": "']' first in a class",
    r"a**": "a repeat of nothing",
    r"\p{L}": "the escape \\p",
    r"\1": "the escape \\1",
    r"a)": "an unbalanced ')'",
    r"(a": "an unclosed group",
    r"[a": "an unclosed class",
    "a\\": "a trailing backslash",
}


@pytest.mark.parametrize("pattern", SAME)
def test_patterns_in_the_subset_go_to_spark(pattern: str) -> None:
    assert java_differs(pattern) is None


@pytest.mark.parametrize(("pattern", "why"), DIFFERENT.items())
def test_patterns_java_reads_otherwise_stay_in_duckdb(pattern: str, why: str) -> None:
    found = java_differs(pattern)
    assert found is not None and why in found


def test_the_built_in_formats() -> None:
    """Every built-in format but url (its \\s takes a vertical tab in Java) goes down."""
    differs = {name for name, pattern in PATTERNS.items() if java_differs(pattern)}
    assert differs == {FormatName.url}
    assert all(java_differs(p) is None for p in checksum_patterns())
