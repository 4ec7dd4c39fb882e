"""Salesforce records (REST JSON pages, Bulk 2.0 CSV pages) to typed Arrow tables.

Both paths first build all-text columns, then cast each Salesforce field to the type of the
entity field it maps to, so REST and Bulk reads give identical tables. A column whose values
do not cast is kept as text and reported in ``warnings``, never dropped.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from vmsdq.core.words import FieldType

if TYPE_CHECKING:
    import pyarrow as pa


def arrow_type(kind: FieldType) -> pa.DataType:
    import pyarrow as pa

    return {
        FieldType.string: pa.string(),
        FieldType.integer: pa.int64(),
        FieldType.number: pa.float64(),
        FieldType.boolean: pa.bool_(),
        FieldType.date: pa.date32(),
        FieldType.timestamp: pa.timestamp("ms", "UTC"),
    }[kind]


def text_schema(fields: Sequence[str]) -> pa.Schema:
    import pyarrow as pa

    return pa.schema([(f, pa.string()) for f in fields])


def records_to_text(records: Iterable[Mapping[str, Any]], fields: Sequence[str]) -> pa.Table:
    """REST ``records`` (dicts with ``attributes``) as all-text columns named ``fields``."""
    import pyarrow as pa

    columns: dict[str, list[str | None]] = {f: [] for f in fields}
    for record in records:
        for name in fields:
            columns[name].append(_text(_lookup(record, name)))
    return pa.table(columns, schema=text_schema(fields))


def csv_to_text(data: bytes, fields: Sequence[str]) -> pa.Table:
    """One Bulk 2.0 result page (CSV, header row) as all-text columns named ``fields``.

    Quoted values may hold line breaks (addresses, text areas); header names are matched
    without regard to case. Raises ``ValueError`` naming what is wrong (never pyarrow's own
    exception types), so the caller can report the job and the page.
    """
    import pyarrow as pa
    import pyarrow.csv as pcsv

    if not data.strip():
        return text_schema(fields).empty_table()
    header = _header(data)
    by_lower = {name.lower(): name for name in header}
    missing = [f for f in fields if f.lower() not in by_lower]
    if missing:
        raise ValueError(f"the CSV header has no column {missing} (header: {header[:20]})")
    present = [by_lower[f.lower()] for f in fields]
    options = pcsv.ConvertOptions(
        column_types={name: pa.string() for name in present},
        strings_can_be_null=True,
        quoted_strings_can_be_null=True,
        null_values=[""],
        include_columns=list(dict.fromkeys(present)),
    )
    read = pcsv.ReadOptions(block_size=16 << 20)
    parse = pcsv.ParseOptions(newlines_in_values=True)
    try:
        table = pcsv.read_csv(
            io.BytesIO(data), read_options=read, parse_options=parse, convert_options=options
        )
    except (pa.ArrowException, OSError) as exc:
        raise ValueError(f"the CSV does not parse: {str(exc)[:300]}") from None
    return pa.table([table.column(name) for name in present], names=list(fields))


def _header(data: bytes) -> list[str]:
    import csv

    first = data[: data.find(b"\n") if b"\n" in data else len(data)].decode("utf-8", "replace")
    return next(csv.reader([first.rstrip("\r")]), [])


def cast_columns(
    table: pa.Table, types: Mapping[str, FieldType]
) -> tuple[pa.Table, dict[str, str]]:
    """Cast text columns to their declared types; returns the table and per-field warnings."""
    import pyarrow as pa

    columns, warnings = [], {}
    for name in table.column_names:
        column = table.column(name)
        kind = types.get(name, FieldType.string)
        try:
            column = _cast(column, kind)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            warnings[name] = f"values are not valid {kind.value}; kept as text"
        columns.append(column)
    return pa.table(columns, names=table.column_names), warnings


def _cast(column: pa.ChunkedArray, kind: FieldType) -> pa.ChunkedArray:
    import pyarrow as pa
    import pyarrow.compute as pc

    if kind is FieldType.string:
        return column
    if kind is FieldType.boolean:
        column = pc.utf8_lower(column)
    if kind is FieldType.integer:
        try:
            return pc.cast(column, pa.int64())
        except pa.ArrowInvalid:
            return pc.cast(pc.cast(column, pa.float64()), pa.int64())  # "5.0"; fails on 5.5
    if kind is FieldType.date:
        column = pc.utf8_slice_codeunits(column, 0, 10)
    return pc.cast(column, arrow_type(kind))


def _lookup(record: Mapping[str, Any], name: str) -> Any:
    value: Any = record
    for part in name.split("."):  # relationship fields: "Account": {"Name": ...} or null
        if not isinstance(value, Mapping):
            return None
        if part in value:
            value = value[part]
        else:  # JSON keys are spelled as the API spells them; be lenient on case
            value = next((v for k, v in value.items() if k.lower() == part.lower()), None)
    return value


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value)
    return str(value)
