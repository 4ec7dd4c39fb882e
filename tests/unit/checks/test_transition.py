from vmsdq.core.words import Outcome
from vmsdq.engine.testing import TableCase

RULE = {
    "name": "status_flow",
    "type": "transition",
    "field": "status",
    "allowed": {"Draft": ["Published", "Cancelled"], "Published": ["Completed", "Cancelled"]},
}


def case():
    return TableCase("event", {"id": {}, "status": {}}, [RULE]).rows(
        {"id": "1", "status": "Published"},  # Draft -> Published: allowed
        {"id": "2", "status": "Draft"},  # Published -> Draft: not allowed
        {"id": "3", "status": "Completed"},  # unchanged
        {"id": "4", "status": "Draft"},  # Completed -> Draft: no entry for Completed
        {"id": "5", "status": "Published"},  # new record: not evaluated
        {"id": "6", "status": ""},  # blank now: not evaluated
    )


def test_transitions_against_the_previous_snapshot(tmp_path):
    result = (
        case()
        .previous(
            {"id": "1", "status": "Draft"},
            {"id": "2", "status": "Published"},
            {"id": "3", "status": "Completed"},
            {"id": "4", "status": "Completed"},
            {"id": "6", "status": "Draft"},
        )
        .run(tmp_path)
    )
    rule = result.rule("event.status_flow")
    assert (rule.evaluated, rule.failed) == (4, 2)
    assert result.failing("event.status_flow") == ["2", "4"]
    values = {r["key"]: r["values"] for r in result.failures()}
    assert values["2"] == {"status__previous": "Published", "status": "Draft"}


def test_skipped_without_a_previous_snapshot(tmp_path):
    rule = case().run(tmp_path).rule("event.status_flow")
    assert rule.outcome is Outcome.skipped
    assert rule.message == "no previous snapshot of 'event' (nothing to compare)"
