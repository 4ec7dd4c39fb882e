"""The SQL normalisers (DuckDB) and the plain-Python reference used for ground truth agree."""

from __future__ import annotations

from datetime import date, datetime

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlglot import exp

from vmsdq.core.words import FieldType
from vmsdq.reconcile.mapping import MappedField
from vmsdq.reconcile.normalize import compare_value, normalize
from vmsdq.reconcile.reference import compared
from vmsdq.spec.models import Normalizer

CON = duckdb.connect()
CON.execute("SET TimeZone = 'UTC'")


def sql_value(value: object, field: MappedField) -> object:
    expression = compare_value(normalize(exp.column("v"), field.normalize), field.type)
    row = CON.execute(f"SELECT {expression.sql('duckdb')} FROM (SELECT ? AS v)", [value]).fetchone()
    assert row is not None
    return row[0]


TEXT = st.text(alphabet=" \tabcXYZ-().+0123456789", max_size=16)
STEPS = [
    (Normalizer.trim,),
    (Normalizer.lower,),
    (Normalizer.trim, Normalizer.upper),
    (Normalizer.digits,),
    (Normalizer.e164,),
]


@settings(max_examples=150, deadline=None)
@given(value=st.one_of(st.none(), TEXT), index=st.integers(0, len(STEPS) - 1))
def test_text_normalisers_match_the_python_reference(value: str | None, index: int) -> None:
    field = MappedField("f", "F", FieldType.string, STEPS[index])
    assert sql_value(value, field) == compared(value, field)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("(816) 555-0100", "+18165550100"),
        ("+1 816.555.0100", "+18165550100"),
        ("18165550100", "+18165550100"),
        ("+44 20 7946 0958", "+442079460958"),
        ("call me", None),
        ("", None),
    ],
)
def test_e164(value: str, expected: str | None) -> None:
    field = MappedField("phone", "Phone", FieldType.string, (Normalizer.e164,))
    assert sql_value(value, field) == expected == compared(value, field)


@pytest.mark.parametrize(
    ("value", "field_type", "steps", "expected"),
    [
        ("2024-05-01T05:00:00-05:00", FieldType.timestamp, (Normalizer.utc,),
         datetime(2024, 5, 1, 10, 0)),
        ("2024-05-01T10:00:00.000+0000", FieldType.timestamp, (Normalizer.utc,),
         datetime(2024, 5, 1, 10, 0)),
        ("2024-05-01 10:00:00", FieldType.timestamp, (Normalizer.utc,),
         datetime(2024, 5, 1, 10, 0)),
        ("2024-01-02T00:00:00.000+0000", FieldType.date, (Normalizer.date,), date(2024, 1, 2)),
        ("2024-01-02", FieldType.date, (), date(2024, 1, 2)),
        ("1.50", FieldType.number, (), 1.5),
        ("3", FieldType.integer, (), 3.0),
        ("true", FieldType.boolean, (), True),
        ("not a number", FieldType.number, (), None),
    ],
)  # fmt: skip
def test_typed_values(
    value: str, field_type: FieldType, steps: tuple[Normalizer, ...], expected: object
) -> None:
    field = MappedField("f", "F", field_type, steps)
    assert sql_value(value, field) == expected == compared(value, field)
