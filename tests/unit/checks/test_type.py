import pyarrow as pa

from vmsdq.core.words import Severity
from vmsdq.engine.testing import TableCase


def test_type_fails_present_values_that_do_not_cast(tmp_path):
    fields = {
        "id": {},
        "n": {"type": "integer"},
        "d": {"type": "date"},
        "b": {"type": "boolean"},
    }
    case = TableCase("t", fields).rows(
        {"id": "1", "n": "12", "d": "2024-02-29", "b": "true"},
        {"id": "2", "n": "twelve", "d": "2023-02-29", "b": "maybe"},
        {"id": "3", "n": "  ", "d": None, "b": ""},
    )
    result = case.run(tmp_path)
    for name in ("t.n.type", "t.d.type", "t.b.type"):
        rule = result.rule(name)
        assert (rule.evaluated, rule.failed) == (2, 1), name
        assert result.failing(name) == ["2"]
    assert result.rule("t.n.type").severity is Severity.error
    failures = [r for r in result.failures() if r["rule"] == "t.n.type"]
    assert failures[0]["values"] == {"n": "twelve"}


def test_no_type_rule_for_strings_or_when_disabled(tmp_path):
    fields = {"id": {}, "s": {}, "n": {"type": "number", "check_type": False}}
    result = TableCase("t", fields).rows({"id": "1", "s": "x", "n": "x"}).run(tmp_path)
    assert [r.rule for r in result.entity().rules] == []


def test_typed_source_columns_always_conform(tmp_path):
    case = TableCase("t", {"id": {}, "n": {"type": "integer"}}).rows({"id": "1", "n": 5})
    case.schema = {"n": pa.int64()}
    rule = case.run(tmp_path).rule("t.n.type")
    assert (rule.evaluated, rule.failed) == (1, 0)
