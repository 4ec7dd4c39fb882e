from vmsdq.engine.testing import TableCase


def test_min_max_on_the_field_make_a_range_rule(tmp_path):
    fields = {"id": {}, "n": {"type": "integer", "min": 0, "max": 12}}
    case = TableCase("t", fields).rows(
        {"id": "1", "n": "0"},
        {"id": "2", "n": "12"},
        {"id": "3", "n": "-1"},
        {"id": "4", "n": "13"},
        {"id": "5", "n": None},
        {"id": "6", "n": "x"},
    )
    result = case.run(tmp_path)
    rule = result.rule("t.n.range")
    assert (rule.evaluated, rule.failed) == (4, 2)  # "x" does not cast: NULL, not evaluated
    assert result.failing("t.n.range") == ["3", "4"]


def test_exclusive_range(tmp_path):
    fields = {"id": {}, "x": {"type": "number", "range": {"min": 0, "max": 1, "exclusive": True}}}
    case = TableCase("t", fields).rows(
        {"id": "1", "x": "0"}, {"id": "2", "x": "0.5"}, {"id": "3", "x": "1"}
    )
    assert case.run(tmp_path).failing("t.x.range") == ["1", "3"]


def test_date_range(tmp_path):
    fields = {"id": {}, "d": {"type": "date", "min": "2000-01-01", "max": "2012-12-31"}}
    case = TableCase("t", fields).rows(
        {"id": "1", "d": "1999-12-31"},
        {"id": "2", "d": "2005-06-01"},
        {"id": "3", "d": "2013-01-01"},
    )
    assert case.run(tmp_path).failing("t.d.range") == ["1", "3"]
