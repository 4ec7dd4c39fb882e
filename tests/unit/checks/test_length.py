from vmsdq.engine.testing import TableCase


def test_length_scalar_means_max(tmp_path):
    fields = {"id": {}, "s": {"length": 3}}
    case = TableCase("t", fields).rows(
        {"id": "1", "s": "abc"},
        {"id": "2", "s": "abcd"},
        {"id": "3", "s": "éèêë"},
        {"id": "4", "s": ""},
    )
    result = case.run(tmp_path)
    rule = result.rule("t.s.length")
    assert (rule.evaluated, rule.failed) == (3, 2)
    assert result.failing("t.s.length") == ["2", "3"]  # characters, not bytes


def test_length_min_and_max(tmp_path):
    fields = {"id": {}, "s": {"length": {"min": 2, "max": 3}}}
    case = TableCase("t", fields).rows({"id": "1", "s": "a"}, {"id": "2", "s": "ab"})
    assert case.run(tmp_path).failing("t.s.length") == ["1"]
