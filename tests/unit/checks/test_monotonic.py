"""monotonic: a value that must grow (or shrink) along an order, optionally per group."""

from __future__ import annotations

from pathlib import Path

import pytest

from vmsdq.core.errors import ConfigErrors
from vmsdq.core.words import Dimension, Outcome, Severity
from vmsdq.engine.testing import TableCase

FIELDS = {
    "id": {},
    "account": {},
    "seq": {"type": "integer"},
    "balance": {"type": "number"},
}
ROWS = (
    {"id": "a1", "account": "A", "seq": "1", "balance": "10"},
    {"id": "a2", "account": "A", "seq": "2", "balance": "12"},
    {"id": "a3", "account": "A", "seq": "3", "balance": "11"},  # goes down: fails
    {"id": "a4", "account": "A", "seq": "4", "balance": "11"},  # equal: fails only if strict
    {"id": "a5", "account": "A", "seq": "5"},  # NULL balance: skipped in the sequence
    {"id": "a6", "account": "A", "seq": "6", "balance": "10.5"},  # below 11: fails
    {"id": "b1", "account": "B", "seq": "1", "balance": "5"},  # another group starts over
    {"id": "b2", "account": "B", "seq": "2", "balance": "7"},
)


def _rule(**extra: object) -> dict[str, object]:
    rule = {"name": "grows", "type": "monotonic", "field": "balance", "order_by": ["seq"]}
    return rule | {"within": ["account"]} | extra


def test_increasing_within_groups(tmp_path: Path) -> None:
    result = TableCase("ledger", FIELDS, [_rule()]).rows(*ROWS).run(tmp_path)
    rule = result.rule("ledger.grows")
    assert (rule.evaluated, rule.failed, rule.outcome) == (7, 2, Outcome.failed)
    assert (rule.dimension, rule.severity) == (Dimension.consistency, Severity.error)
    assert result.failing("ledger.grows") == ["a3", "a6"]
    values = {r["key"]: r["values"] for r in result.failures()}
    assert values["a3"] == {"balance__previous": "12.0", "balance": "11.0"}


def test_strict_fails_equal_neighbours(tmp_path: Path) -> None:
    result = TableCase("ledger", FIELDS, [_rule(strict=True)]).rows(*ROWS).run(tmp_path)
    assert result.failing("ledger.grows") == ["a3", "a4", "a6"]


def test_decreasing_without_groups(tmp_path: Path) -> None:
    rule = _rule(direction="decreasing", within=[], when="account = 'A'")
    result = TableCase("ledger", FIELDS, [rule]).rows(*ROWS).run(tmp_path)
    # A alone, in seq order: 10, 12 (up), 11, 11, 10.5
    assert result.failing("ledger.grows") == ["a2"]
    assert result.rule("ledger.grows").evaluated == 5


def test_unknown_order_column_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigErrors, match="no field 'sequence'"):
        TableCase("ledger", FIELDS, [_rule(order_by=["sequence"])]).run(tmp_path)
