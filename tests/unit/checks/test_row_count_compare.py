"""row_count_compare: this entity's row count against another entity's, with a tolerance."""

from __future__ import annotations

from pathlib import Path

from vmsdq.core.words import Dimension, Outcome, Severity
from vmsdq.engine.testing import TableCase

EVENTS = {"entity": "event", "key": "id", "fields": {"id": {}, "status": {}}}
EVENT_ROWS = [{"id": str(i), "status": "Done" if i % 2 else "Draft"} for i in range(10)]


def _case(**rule: object) -> TableCase:
    spec = {"name": "matches", "type": "row_count_compare", "entity": "event"} | rule
    rows = [{"id": str(i)} for i in range(9)]
    return TableCase("summary", {"id": {}}, [spec]).rows(*rows).with_entity(EVENTS, EVENT_ROWS)


def test_within_tolerance_passes(tmp_path: Path) -> None:
    rule = _case(tolerance=0.1).run(tmp_path).rule("summary.matches")  # 9 vs 10: 10 %
    assert (rule.evaluated, rule.failed, rule.observed, rule.outcome) == (1, 0, 9.0, Outcome.passed)
    assert (rule.dimension, rule.severity) == (Dimension.volume, Severity.error)


def test_outside_tolerance_fails(tmp_path: Path) -> None:
    rule = _case(tolerance=0.05).run(tmp_path).rule("summary.matches")
    assert (rule.evaluated, rule.failed, rule.observed, rule.outcome) == (1, 1, 9.0, Outcome.failed)


def test_ratio_and_filters(tmp_path: Path) -> None:
    # 5 Done events; 2 rows per Done event expected = 10; 9 rows with id < '9' ... all 9 counted
    rule = _case(ratio=2, entity_where="status = 'Done'", tolerance=0.1)
    assert rule.run(tmp_path).rule("summary.matches").failed == 0
    filtered = _case(ratio=2, entity_where="status = 'Done'", where="id < '5'", tolerance=0.1)
    result = filtered.run(tmp_path).rule("summary.matches")
    assert (result.failed, result.observed) == (1, 5.0)


def test_the_other_entity_not_read_is_an_error(tmp_path: Path) -> None:
    spec = {"name": "matches", "type": "row_count_compare", "entity": "event"}
    case = TableCase("summary", {"id": {}}, [spec]).rows({"id": "1"})
    case.others["event"] = (EVENTS, [])
    result = case.run(tmp_path)
    rule = result.rule("summary.matches")
    assert (rule.failed, rule.outcome) == (1, Outcome.failed)  # 1 row against none
