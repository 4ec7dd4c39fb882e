"""The ground-truth oracle follows docs/rules.md on small hand-made tables."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from vmsdq.core.words import FieldType
from vmsdq.demo.inject import checksum
from vmsdq.demo.oracle import Rows, evaluate, salesforce_id_ok, try_cast
from vmsdq.demo.rules import expand_entity
from vmsdq.spec.models import EntitySpec

NOW = datetime(2026, 1, 10, 12, 0)


def _entity(fields: dict[str, Any], rules: list[dict[str, Any]] | None = None,
            name: str = "thing") -> EntitySpec:  # fmt: skip
    return EntitySpec.model_validate(
        {"entity": name, "key": "id", "fields": {"id": {}, **fields}, "rules": rules or []}
    )


def _fails(spec: EntitySpec, raw: dict[str, list[Any]], others: dict[str, Rows] | None = None,
           previous: dict[str, Rows] | None = None) -> set[tuple[str, str]]:  # fmt: skip
    data = {spec.entity: Rows(spec=spec, raw=raw), **(others or {})}
    return evaluate(expand_entity(spec), data, previous or {}, NOW)


def test_required_treats_blank_as_missing_unless_allow_blank() -> None:
    spec = _entity({"a": {"required": True}, "b": {"required": {"allow_blank": True}}})
    raw = {"id": ["1", "2", "3"], "a": ["x", "  ", None], "b": ["  ", None, "y"]}
    assert _fails(spec, raw) == {("thing.a.required", "2"), ("thing.a.required", "3"),
                                 ("thing.b.required", "2")}  # fmt: skip


def test_type_fails_only_present_text_that_does_not_cast() -> None:
    spec = _entity({"n": {"type": "integer", "min": 0}})
    raw = {"id": ["1", "2", "3", "4"], "n": ["7", "ten", "", "-1"]}
    assert _fails(spec, raw) == {("thing.n.type", "2"), ("thing.n.range", "4")}


def test_unique_within_group_fails_every_member_and_skips_nulls() -> None:
    spec = _entity({"s": {}, "local": {"unique": {"within": ["s"]}}})
    raw = {"id": ["1", "2", "3", "4", "5"], "s": ["A", "A", "B", None, None],
           "local": ["9", "9", "9", "9", "9"]}  # fmt: skip
    assert _fails(spec, raw) == {("thing.local.unique", "1"), ("thing.local.unique", "2")}


def test_salesforce_ids_need_the_case_safe_suffix() -> None:
    body = "0035e00000AbCdE"
    assert salesforce_id_ok(body)
    assert salesforce_id_ok(body + checksum(body))
    assert not salesforce_id_ok(body + "AAA")
    assert not salesforce_id_ok(body + "X")
    assert checksum("001000000000000") == "AAA"


def test_strict_email_also_asks_email_validator() -> None:
    spec = _entity({"e": {"format": {"format": "email", "strict": True}}, "f": {"format": "email"}})
    raw = {"id": ["1", "2"], "e": ["a..b@gmail.com", "a.b@gmail.com"],
           "f": ["a..b@gmail.com", "a b@gmail.com"]}  # fmt: skip
    assert _fails(spec, raw) == {("thing.e.format", "1"), ("thing.f.format", "2")}


def test_references_respect_the_target_filter_and_aggregate_counts_zero() -> None:
    org = _entity({"is_active": {"type": "boolean"}}, name="organization")
    orgs = Rows(spec=org, raw={"id": ["O1", "O2"], "is_active": [True, False]})
    ref = {"references": {"entity": "organization", "where": "is_active"}}
    vol = _entity({"organization_id": ref}, name="volunteer")
    raw = {"id": ["V1", "V2", "V3"], "organization_id": ["O1", "O2", None]}
    assert _fails(vol, raw, {"organization": orgs}) == {("volunteer.organization_id.references",
                                                          "V2")}  # fmt: skip


def test_transition_allows_listed_moves_and_staying() -> None:
    rules = [{"name": "status_transition", "type": "transition", "field": "status",
              "allowed": {"Draft": ["Scheduled"], "Completed": []}}]  # fmt: skip
    spec = _entity({"status": {}}, rules, name="event")
    old = {"id": ["1", "2", "3", "4"], "status": ["Draft", "Completed", "Completed", "Draft"]}
    prev = Rows(spec=spec, raw=old)
    raw = {
        "id": ["1", "2", "3", "4", "5"],
        "status": ["Scheduled", "Completed", "Draft", None, "X"],
    }
    assert _fails(spec, raw, previous={"event": prev}) == {("event.status_transition", "3")}


def test_freshness_fails_without_values_and_when_too_old() -> None:
    rules = [{"name": "fresh", "type": "freshness", "field": "at", "max_age": "1d"}]
    spec = _entity({"at": {"type": "timestamp"}}, rules)
    assert _fails(spec, {"id": ["1"], "at": [None]}) == {("thing.fresh", "")}
    assert _fails(spec, {"id": ["1"], "at": [datetime(2026, 1, 9, 13, 0)]}) == set()
    assert _fails(spec, {"id": ["1"], "at": [datetime(2026, 1, 9, 11, 0)]}) == {("thing.fresh", "")}


def test_try_cast_matches_duckdb_for_demo_values() -> None:
    assert try_cast("12", FieldType.integer) == 12
    assert try_cast("K", FieldType.integer) is None
    assert try_cast("2021-13-01", FieldType.date) is None
    assert try_cast("2021-02-03", FieldType.date) == date(2021, 2, 3)
    assert try_cast("maybe", FieldType.boolean) is None
    assert try_cast("2021-02-30 10:00:00", FieldType.timestamp) is None


def test_a_sql_filter_without_python_meaning_is_an_error() -> None:
    import pytest

    rules = [{"name": "few", "type": "row_count", "max": 1, "where": "a = 'x'"}]
    spec = _entity({"a": {}}, rules)
    with pytest.raises(KeyError, match="thing.few: no Python predicate for its 'where'"):
        _fails(spec, {"id": ["1"], "a": ["x"]})
