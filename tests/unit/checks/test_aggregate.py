from vmsdq.engine.testing import TableCase

PART = {
    "entity": "participation",
    "key": "id",
    "fields": {
        "id": {},
        "event_id": {},
        "status": {},
        "hours": {"type": "number"},
        "volunteer_id": {},
    },
}
PARTS = [
    {"id": "p1", "event_id": "e1", "status": "Registered", "hours": "2", "volunteer_id": "v1"},
    {"id": "p2", "event_id": "e1", "status": "Registered", "hours": "3", "volunteer_id": "v1"},
    {"id": "p3", "event_id": "e1", "status": "Cancelled", "hours": "1", "volunteer_id": "v2"},
    {"id": "p4", "event_id": "e2", "status": "Registered", "hours": "1", "volunteer_id": "v3"},
]
EVENTS = [
    {"id": "e1", "registered": "2", "hours": "6", "volunteers": "2"},
    {"id": "e2", "registered": "2", "hours": "1", "volunteers": "1"},
    {"id": "e3", "registered": "0", "hours": "0", "volunteers": "0"},  # no participations: 0
    {"id": "e4", "registered": None, "hours": None, "volunteers": None},  # not evaluated
]
FIELDS = {
    "id": {},
    "registered": {"type": "integer"},
    "hours": {"type": "number"},
    "volunteers": {"type": "integer"},
}


def run(tmp_path, rule):
    rule = {
        "name": "agg",
        "type": "aggregate",
        "related": "participation",
        "foreign_key": "event_id",
        **rule,
    }
    case = TableCase("event", FIELDS, [rule]).with_entity(PART, PARTS).rows(*EVENTS)
    return case.run(tmp_path)


def test_count_with_where(tmp_path):
    result = run(tmp_path, {"field": "registered", "where": "status = 'Registered'"})
    rule = result.rule("event.agg")
    assert (rule.evaluated, rule.failed) == (3, 1)
    assert result.failing("event.agg") == ["e2"]
    [failure] = result.failures("event")
    assert failure["values"] == {"registered": "2", "count(participation)": "1"}


def test_sum_and_count_distinct(tmp_path):
    assert (
        run(tmp_path, {"function": "sum", "column": "hours", "field": "hours"}).failing("event.agg")
        == []
    )
    result = run(
        tmp_path, {"function": "count_distinct", "column": "volunteer_id", "field": "volunteers"}
    )
    assert result.failing("event.agg") == []


def test_compare_and_when(tmp_path):
    rule = {"field": "registered", "compare": ">=", "when": "registered > 0"}
    result = run(tmp_path, rule)
    assert result.failing("event.agg") == ["e1"]  # 2 >= 3 is false
    assert result.rule("event.agg").evaluated == 2
