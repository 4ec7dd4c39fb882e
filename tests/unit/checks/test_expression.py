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
    assert (rule.evaluated, rule.failed) == (2, 1)  # a NULL operand: not evaluated, not failed
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


def test_evaluated_does_not_depend_on_how_the_rule_is_written(tmp_path):
    """``min: 18`` and ``age >= 18`` count the same rows: a NULL age is evaluated by neither."""
    rules = [
        {"name": "adult", "type": "expression", "check": "age >= 18"},
        {"name": "adult_if_active", "type": "expression", "when": "active", "check": "age >= 18"},
        {"name": "age_known", "type": "expression", "check": "age IS NOT NULL AND age >= 18"},
    ]
    fields = {"id": {}, "age": {"type": "integer", "min": 18}, "active": {"type": "boolean"}}
    case = TableCase("vol", fields, rules).rows(
        {"id": "1", "age": "30", "active": "true"},
        {"id": "2", "age": "12", "active": "true"},
        {"id": "3", "age": None, "active": "true"},
        {"id": "4", "age": "40", "active": None},
    )
    result = case.run(tmp_path)
    shorthand, written = result.rule("vol.age.range"), result.rule("vol.adult")
    assert (shorthand.evaluated, shorthand.failed) == (written.evaluated, written.failed) == (3, 1)
    assert shorthand.pass_rate == written.pass_rate
    if_active = result.rule("vol.adult_if_active")  # a NULL `when` is not TRUE: not row 4
    assert (if_active.evaluated, result.failing("vol.adult_if_active")) == (2, ["2"])
    known = result.rule("vol.age_known")  # to make NULL fail, say so in the check
    assert (known.evaluated, result.failing("vol.age_known")) == (4, ["2", "3"])
