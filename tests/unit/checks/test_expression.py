import pytest

from vmsdq.checks import compile_entity
from vmsdq.core.errors import ConfigErrors
from vmsdq.core.words import Dimension, Outcome, Severity
from vmsdq.engine.testing import TableCase

FIELDS = {
    "id": {},
    "start": {"type": "timestamp"},
    "end": {"type": "timestamp"},
    "status": {},
    "reason": {},
}


def test_check_with_when(tmp_path):
    rules = [
        {"name": "end_after_start", "type": "expression", "check": '"end" > start'},
        {
            "name": "cancel_reason",
            "type": "expression",
            "when": "status = 'Cancelled'",
            "check": "reason IS NOT NULL AND trim(reason) <> ''",
            "columns": ["status", "reason"],
        },
    ]
    case = TableCase("event", FIELDS, rules).rows(
        {
            "id": "1",
            "start": "2024-01-01 10:00",
            "end": "2024-01-01 11:00",
            "status": "Cancelled",
            "reason": "rain",
        },
        {
            "id": "2",
            "start": "2024-01-01 10:00",
            "end": "2024-01-01 09:00",
            "status": "Cancelled",
            "reason": "",
        },
        {"id": "3", "start": None, "end": "2024-01-01 09:00", "status": "Planned", "reason": None},
    )
    result = case.run(tmp_path)
    rule = result.rule("event.end_after_start")
    assert (rule.evaluated, rule.failed) == (3, 1)  # NULL never fails
    assert (rule.dimension, rule.severity) == (Dimension.consistency, Severity.error)
    assert result.failing("event.end_after_start") == ["2"]
    cancel = result.rule("event.cancel_reason")
    assert (cancel.evaluated, cancel.failed) == (2, 1)
    failures = {(r["rule"], r["key"]): r["values"] for r in result.failures()}
    assert failures[("event.cancel_reason", "2")] == {"status": "Cancelled", "reason": ""}
    assert failures[("event.end_after_start", "2")] == {
        "end": "2024-01-01 09:00:00",
        "start": "2024-01-01 10:00:00",
    }


def test_sandbox_refusal_names_the_rule():
    rules = [{"name": "sneaky", "type": "expression", "check": "(SELECT 1) = 1"}]
    spec = TableCase("event", FIELDS, rules).spec()
    with pytest.raises(ConfigErrors, match="sneaky"):
        compile_entity(spec, {"event": spec})


def test_unknown_column_is_refused():
    rules = [{"name": "typo", "type": "expression", "check": "stat = 'x'"}]
    spec = TableCase("event", FIELDS, rules).spec()
    with pytest.raises(ConfigErrors, match="stat"):
        compile_entity(spec, {"event": spec})


def test_runtime_error_isolated_to_its_rule(tmp_path):
    rules = [
        {"name": "bad_cast", "type": "expression", "check": "CAST(status AS INTEGER) > 0"},
        {"name": "fine", "type": "expression", "check": "status <> 'x'"},
    ]
    case = TableCase("event", FIELDS, rules).rows(
        {"id": "1", "status": "x"}, {"id": "2", "status": "y"}
    )
    result = case.run(tmp_path)
    broken = result.rule("event.bad_cast")
    assert broken.outcome is Outcome.error and "Conversion Error" in broken.message
    assert result.failing("event.fine") == ["1"]
    assert result.rule("event.fine").outcome is Outcome.failed
