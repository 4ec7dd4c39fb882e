from vmsdq.engine.testing import TableCase

SCHOOL = {
    "entity": "school",
    "key": "id",
    "fields": {"id": {}, "district": {}, "code": {}},
}


def test_written_reference_on_several_columns(tmp_path):
    rules = [
        {
            "name": "school_in_district",
            "type": "reference",
            "entity": "school",
            "columns": ["district", "school_code"],
            "target_columns": ["district", "code"],
        }
    ]
    fields = {"id": {}, "district": {}, "school_code": {}}
    case = (
        TableCase("student", fields, rules)
        .with_entity(
            SCHOOL,
            [
                {"id": "s1", "district": "D1", "code": "C1"},
                {"id": "s2", "district": "D2", "code": "C2"},
            ],
        )
        .rows(
            {"id": "1", "district": "D1", "school_code": "C1"},
            {"id": "2", "district": "D1", "school_code": "C2"},
            {"id": "3", "district": None, "school_code": "C2"},
        )
    )
    result = case.run(tmp_path)
    rule = result.rule("student.school_in_district")
    assert (rule.evaluated, rule.failed) == (2, 1)
    assert result.failing("student.school_in_district") == ["2"]
    assert result.failures("student")[0]["values"] == {"district": "D1", "school_code": "C2"}


def test_written_reference_with_when_and_where(tmp_path):
    rules = [
        {
            "name": "school_ok",
            "type": "reference",
            "entity": "school",
            "columns": ["school"],
            "where": "district = 'D1'",
            "when": "enrolled",
        }
    ]
    fields = {"id": {}, "school": {}, "enrolled": {"type": "boolean"}}
    case = (
        TableCase("student", fields, rules)
        .with_entity(
            SCHOOL,
            [
                {"id": "s1", "district": "D1", "code": "x"},
                {"id": "s2", "district": "D2", "code": "y"},
            ],
        )
        .rows(
            {"id": "1", "school": "s1", "enrolled": "true"},
            {"id": "2", "school": "s2", "enrolled": "true"},
            {"id": "3", "school": "s2", "enrolled": "false"},
        )
    )
    result = case.run(tmp_path)
    assert result.failing("student.school_ok") == ["2"]
    assert result.rule("student.school_ok").evaluated == 2
