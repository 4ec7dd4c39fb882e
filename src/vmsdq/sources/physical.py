"""The field type a source's own schema gives a column (Arrow, SQL catalog).

Used when a field declares no ``type:`` and to say when a declared type differs from the
column's (``spec.source_types``). None: the column's type says nothing usable (text, binary,
lists), so the field stays as declared.
"""

from __future__ import annotations

from typing import Any

from vmsdq.core.words import FieldType


def arrow_type(data_type: Any) -> FieldType | None:
    """The field type of an Arrow column type (``pyarrow.DataType``)."""
    import pyarrow as pa

    checks = (
        (pa.types.is_integer, FieldType.integer),
        (pa.types.is_floating, FieldType.number),
        (pa.types.is_decimal, FieldType.number),
        (pa.types.is_boolean, FieldType.boolean),
        (pa.types.is_date, FieldType.date),
        (pa.types.is_timestamp, FieldType.timestamp),
        (pa.types.is_string, FieldType.string),
        (pa.types.is_large_string, FieldType.string),
    )
    return next((kind for test, kind in checks if test(data_type)), None)


def sqlalchemy_type(sql_type: Any) -> FieldType | None:
    """The field type of a column SQLAlchemy reflected from the database's catalog."""
    from sqlalchemy import types

    checks = (
        (types.Boolean, FieldType.boolean),
        (types.Integer, FieldType.integer),
        (types.Float, FieldType.number),
        (types.Numeric, FieldType.number),
        (types.DateTime, FieldType.timestamp),
        (types.Date, FieldType.date),
        (types.String, FieldType.string),
    )
    return next((kind for cls, kind in checks if isinstance(sql_type, cls)), None)
