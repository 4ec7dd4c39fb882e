from datetime import UTC, datetime

from vmsdq.core.words import Dimension, Outcome, Severity
from vmsdq.engine.testing import TableCase

NOW = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)


def test_row_count(tmp_path):
    rules = [
        {"name": "enough", "type": "row_count", "min": 3},
        {"name": "active_ones", "type": "row_count", "max": 1, "where": "status = 'A'"},
    ]
    case = TableCase("t", {"id": {}, "status": {}}, rules).rows(
        {"id": "1", "status": "A"}, {"id": "2", "status": "A"}
    )
    result = case.run(tmp_path)
    enough = result.rule("t.enough")
    assert (enough.evaluated, enough.failed, enough.observed) == (1, 1, 2.0)
    assert (enough.dimension, enough.severity, enough.outcome) == (
        Dimension.volume,
        Severity.critical,
        Outcome.failed,
    )
    assert result.rule("t.active_ones").observed == 2.0
    assert result.rule("t.active_ones").failed == 1


def test_row_count_of_an_empty_entity(tmp_path):
    rules = [{"name": "enough", "type": "row_count", "min": 0}]
    rule = TableCase("t", {"id": {}}, rules).run(tmp_path).rule("t.enough")
    assert (rule.evaluated, rule.failed, rule.observed) == (1, 0, 0.0)


def test_freshness(tmp_path):
    rules = [{"name": "fresh", "type": "freshness", "field": "updated", "max_age": "36h"}]
    fields = {"id": {}, "updated": {"type": "timestamp"}}
    recent = (
        TableCase("t", fields, rules)
        .rows({"id": "1", "updated": "2026-01-14 12:00:00"}, {"id": "2", "updated": "2025-01-01"})
        .run(tmp_path, now=NOW)
    )
    rule = recent.rule("t.fresh")
    assert (rule.failed, rule.observed, rule.outcome) == (0, 86400.0, Outcome.passed)
    assert (rule.dimension, rule.severity) == (Dimension.timeliness, Severity.warning)
    stale = TableCase("t", fields, rules).rows({"id": "1", "updated": "2026-01-13 11:59:59"})
    rule = stale.run(tmp_path, now=NOW).rule("t.fresh")
    assert (rule.failed, rule.observed, rule.outcome) == (1, 172801.0, Outcome.warn)


def test_freshness_without_values_fails(tmp_path):
    rules = [{"name": "fresh", "type": "freshness", "field": "updated", "max_age": "1d"}]
    case = TableCase("t", {"id": {}, "updated": {"type": "date"}}, rules).rows({"id": "1"})
    rule = case.run(tmp_path).rule("t.fresh")
    assert (rule.evaluated, rule.failed, rule.observed) == (1, 1, None)
