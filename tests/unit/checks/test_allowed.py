from vmsdq.engine.testing import TableCase


def test_allowed_values(tmp_path):
    fields = {"id": {}, "s": {"allowed": ["Active", "Inactive"]}}
    case = TableCase("t", fields).rows(
        {"id": "1", "s": "Active"},
        {"id": "2", "s": "active"},
        {"id": "3", "s": "Gone"},
        {"id": "4", "s": None},
        {"id": "5", "s": ""},
    )
    result = case.run(tmp_path)
    rule = result.rule("t.s.allowed")
    assert (rule.evaluated, rule.failed) == (3, 2)
    assert result.failing("t.s.allowed") == ["2", "3"]


def test_allowed_ignore_case(tmp_path):
    fields = {"id": {}, "s": {"allowed": {"values": ["Active"], "ignore_case": True}}}
    case = TableCase("t", fields).rows({"id": "1", "s": "ACTIVE"}, {"id": "2", "s": "x"})
    assert case.run(tmp_path).failing("t.s.allowed") == ["2"]


def test_allowed_numbers_on_integer_field(tmp_path):
    fields = {"id": {}, "g": {"type": "integer", "allowed": [0, 1, 2]}}
    case = TableCase("t", fields).rows({"id": "1", "g": "2"}, {"id": "2", "g": "7"})
    assert case.run(tmp_path).failing("t.g.allowed") == ["2"]
