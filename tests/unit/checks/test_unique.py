import sqlglot

from vmsdq.checks import compile_entity
from vmsdq.core.words import Dimension, Severity
from vmsdq.engine.testing import TableCase


def test_every_member_of_a_duplicate_group_fails(tmp_path):
    fields = {"id": {}, "email": {"unique": True}}
    case = TableCase("t", fields).rows(
        {"id": "1", "email": "a@x.org"},
        {"id": "2", "email": "a@x.org"},
        {"id": "3", "email": "A@x.org"},
        {"id": "4", "email": None},
        {"id": "5", "email": None},
        {"id": "6", "email": " "},
        {"id": "7", "email": " "},
    )
    result = case.run(tmp_path)
    rule = result.rule("t.email.unique")
    assert (rule.evaluated, rule.failed) == (3, 2)
    assert (rule.dimension, rule.severity) == (Dimension.uniqueness, Severity.error)
    assert result.failing("t.email.unique") == ["1", "2"]


def test_ignore_case(tmp_path):
    fields = {"id": {}, "email": {"unique": {"ignore_case": True}}}
    case = TableCase("t", fields).rows(
        {"id": "1", "email": "a@x.org"}, {"id": "2", "email": "A@X.org"}
    )
    assert case.run(tmp_path).failing("t.email.unique") == ["1", "2"]


def test_unique_within_a_group(tmp_path):
    fields = {"id": {}, "school": {}, "student_no": {"unique": {"within": ["school"]}}}
    case = TableCase("t", fields).rows(
        {"id": "1", "school": "A", "student_no": "7"},
        {"id": "2", "school": "B", "student_no": "7"},
        {"id": "3", "school": "A", "student_no": "7"},
        {"id": "4", "school": None, "student_no": "7"},
    )
    result = case.run(tmp_path)
    assert result.failing("t.student_no.unique") == ["1", "3"]
    assert result.rule("t.student_no.unique").evaluated == 3


def test_composite_unique_with_when(tmp_path):
    rules = [
        {
            "name": "one_active_role",
            "type": "unique",
            "columns": ["person", "role"],
            "when": "active",
        }
    ]
    fields = {"id": {}, "person": {}, "role": {}, "active": {"type": "boolean"}}
    case = TableCase("t", fields, rules).rows(
        {"id": "1", "person": "p", "role": "r", "active": "true"},
        {"id": "2", "person": "p", "role": "r", "active": "true"},
        {"id": "3", "person": "p", "role": "r", "active": "false"},
        {"id": "4", "person": "q", "role": "r", "active": "true"},
    )
    result = case.run(tmp_path)
    assert result.failing("t.one_active_role") == ["1", "2"]
    assert result.rule("t.one_active_role").evaluated == 3
    failure = next(r for r in result.failures() if r["key"] == "1")
    assert failure["values"] == {"person": "p", "role": "r"}


def test_key_uniqueness_is_critical_and_sql_is_readable():
    spec = TableCase("t", {"id": {"unique": True}}).spec()
    check = compile_entity(spec, {"t": spec}).checks[0]
    assert check.severity is Severity.critical
    query = check.relations[0].query.sql(dialect="duckdb", pretty=True)
    assert "HAVING" in query and "COUNT(*) > 1" in query
    assert sqlglot.parse_one(query, read="duckdb")
