from vmsdq.core.words import Dimension, Outcome, Severity
from vmsdq.engine.testing import TableCase


def test_required_fails_null_and_blank_rows(tmp_path):
    case = TableCase("person", {"id": {}, "email": {"required": True}}).rows(
        {"id": "1", "email": "a@b.org"},
        {"id": "2", "email": None},
        {"id": "3", "email": " \t "},
        {"id": "4", "email": "\u00a0"},  # a non-breaking space is content, not blank
    )
    result = case.run(tmp_path)
    rule = result.rule("person.email.required")
    assert (rule.evaluated, rule.failed) == (4, 2)
    assert rule.outcome is Outcome.failed
    assert rule.dimension is Dimension.completeness and rule.severity is Severity.error
    assert result.failing("person.email.required") == ["2", "3"]
    values = {r["key"]: r["values"] for r in result.failures()}
    assert values == {"2": {"email": None}, "3": {"email": " \t "}}


def test_allow_blank_only_fails_null(tmp_path):
    fields = {"id": {}, "note": {"required": {"allow_blank": True}}}
    case = TableCase("person", fields).rows({"id": "1", "note": ""}, {"id": "2", "note": None})
    assert case.run(tmp_path).failing("person.note.required") == ["2"]


def test_required_on_the_key_is_critical(tmp_path):
    case = TableCase("person", {"id": {"required": True}}).rows({"id": "1"}, {"id": ""})
    rule = case.run(tmp_path).rule("person.id.required")
    assert rule.severity is Severity.critical
    assert (rule.failed, rule.outcome) == (1, Outcome.failed)


def test_required_reads_the_raw_value_of_typed_fields(tmp_path):
    # "abc" is present (a type failure, not a completeness one); "" is missing
    fields = {"id": {}, "age": {"type": "integer", "required": True}}
    case = TableCase("person", fields).rows(
        {"id": "1", "age": "abc"}, {"id": "2", "age": ""}, {"id": "3", "age": "42"}
    )
    result = case.run(tmp_path)
    assert result.failing("person.age.required") == ["2"]
    assert result.failing("person.age.type") == ["1"]


def test_severity_and_name_overrides(tmp_path):
    fields = {"id": {}, "x": {"required": {"severity": "info", "name": "x_present", "weight": 3}}}
    result = TableCase("t", fields).rows({"id": "1", "x": None}).run(tmp_path)
    rule = result.rule("t.x_present")
    assert (rule.severity, rule.weight, rule.outcome) == (Severity.info, 3, Outcome.warn)
