"""The column-at-a-time Salesforce copy gives what its value-by-value definitions give."""

from __future__ import annotations

import random
from datetime import date, datetime

import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from vmsdq.core.words import FieldType
from vmsdq.demo import salesforce_columns as columns
from vmsdq.demo.salesforce_copy import BASE62, _base62, _to_salesforce
from vmsdq.reconcile.mapping import MappedField
from vmsdq.reconcile.reference import text
from vmsdq.reconcile.salesforce_ids import canonical_id, checksum, is_salesforce_id, join_key

ALNUM = "ABCZabcz0159Xx"


def _defined(value: str | None) -> tuple[str | None, str | None]:
    """The group key and served Id of one value, as the copy defined them row by row."""
    if value is None or not str(value).strip(columns.BLANK):
        return None, None
    plain = str(text(value))
    sid = canonical_id(plain)
    return str(join_key(plain)), sid if is_salesforce_id(sid) else None


@st.composite
def match_values(draw: st.DrawFn) -> str | None:
    body = draw(st.text(alphabet=ALNUM, min_size=15, max_size=15))
    sid = body + checksum(body)
    kinds = [
        body,
        sid,
        sid.lower(),
        sid.upper(),
        "".join(c.swapcase() if draw(st.booleans()) else c for c in sid),
        sid[:17] + draw(st.sampled_from("0159aZ")),
        body + "X",
        body[:5] + "-" + body[6:],
        draw(st.text(min_size=0, max_size=20)),
        draw(st.text(alphabet=" \t\r\nß-é", max_size=18)),
        None,
    ]
    return draw(st.sampled_from(kinds))


@settings(max_examples=60, deadline=None)
@given(st.lists(match_values(), max_size=40))
def test_match_keys_are_the_per_value_definition(values: list[str | None]) -> None:
    keys, served = columns.match_keys(pa.array(values, type=pa.string()))
    assert list(zip(keys, served, strict=True)) == [_defined(v) for v in values]


def test_match_keys_of_a_column_that_is_not_text() -> None:
    keys, served = columns.match_keys(pa.array([12, None, 7], type=pa.int64()))
    assert keys == ["12", None, "7"]
    assert served == [None, None, None]


def _field(kind: FieldType, values: dict[str, str] | None = None) -> MappedField:
    return MappedField("ours", "Theirs__c", kind, (), values or {})


CASES = [
    (pa.array(["a", "", None, " b "]), FieldType.string),
    (pa.array([0, -5, None, 12]), FieldType.integer),
    (pa.array([True, False, None]), FieldType.boolean),
    (pa.array([3.0, 2.5, -0.0, 0.0, None, 1e16, 1e-5]), FieldType.number),
    (pa.array([date(1, 1, 1), date(2024, 2, 29), None, date(9999, 12, 31)]), FieldType.date),
    (
        pa.array(
            [datetime(2024, 1, 2, 3, 4, 5), datetime(2024, 1, 2, 3, 4, 5, 120), None],
            type=pa.timestamp("us"),
        ),
        FieldType.timestamp,
    ),
    (
        pa.array([datetime(2024, 1, 2, 3, 4, 5), None], type=pa.timestamp("us", tz="UTC")),
        FieldType.timestamp,
    ),
]


def test_salesforce_text_is_to_salesforce_value_by_value() -> None:
    for arr, kind in CASES:
        for labels in ({}, {"Label": "a", "Yes": "true"}):
            m = _field(kind, labels)
            ours = {v: k for k, v in m.values.items()}
            got = columns.salesforce_text(arr, ours, lambda v, m=m: _to_salesforce(v, m))
            assert got.to_pylist() == [_to_salesforce(v, m) for v in arr.to_pylist()], arr.type


def test_in_scope_tests_each_distinct_text_once() -> None:
    table = pa.table({"kind": ["a", "b", "a", None], "other": [1, 2, 3, 4]})
    seen: list[dict[str, object]] = []

    def test(row: dict[str, object]) -> bool:
        seen.append(row)
        return row.get("kind") == "a"

    inside = columns.in_scope(table, {"kind", "absent"}, test)
    assert inside.tolist() == [True, False, True, False]
    assert len(seen) == 3


def test_base62_draws_what_random_choice_draws() -> None:
    for seed in range(50):
        ours, theirs = random.Random(seed), random.Random(seed)
        for size in (1, 12, 5):
            assert _base62(ours, size) == "".join(theirs.choice(BASE62) for _ in range(size))
        assert ours.random() == theirs.random()
