"""A run's rule results exported as CSV, JSON or Parquet, produced page by page."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from typing import Any

from vmsdq.core.errors import ConfigError
from vmsdq.services.context import Context
from vmsdq.services.lookup import resolve, summary

FORMATS = ("csv", "json", "parquet")
COLUMNS = (
    "entity",
    "rule",
    "kind",
    "dimension",
    "severity",
    "weight",
    "evaluated",
    "failed",
    "pass_rate",
    "outcome",
    "message",
    "observed",
)
PAGE = 500
FORMULA = r"^([=+\-@\t\r])"  # what a spreadsheet may run as a formula (OWASP CSV injection)


def neutralise(value: Any) -> Any:
    """A cell a spreadsheet shows as text: a leading ``= + - @`` (or tab, CR) gets a ``'``."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def neutralise_batch(batch: Any) -> Any:
    """The same, over every text column of an Arrow record batch (vectorised)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    columns = [
        pc.replace_substring_regex(c, pattern=FORMULA, replacement="'\\1")
        if pa.types.is_string(c.type)
        else c
        for c in batch.columns
    ]
    return pa.RecordBatch.from_arrays(columns, schema=batch.schema)


def export_results(ctx: Context, run_id: str, fmt: str) -> Iterator[bytes]:
    """Every rule result of the run (one row per rule, run order) in ``fmt``."""
    ctx.require("read")
    if fmt not in FORMATS:
        raise ConfigError(f"format '{fmt}' is not one of: {', '.join(FORMATS)}")
    found = summary(ctx, resolve(ctx, run_id)).run_id
    pages = _pages(ctx, found)
    if fmt == "csv":
        return _csv(pages)
    if fmt == "json":
        return _json(pages)
    return _parquet(pages)


def _pages(ctx: Context, run_id: str) -> Iterator[list[dict[str, Any]]]:
    cursor = None
    while True:
        page = ctx.repos.results.rules(run_id, cursor=cursor, limit=PAGE)
        yield [r.to_dict() for r in page.items]
        cursor = page.next_cursor
        if cursor is None:
            return


def _csv(pages: Iterator[list[dict[str, Any]]]) -> Iterator[bytes]:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    for rows in pages:
        writer.writerows({k: neutralise(v) for k, v in r.items()} for r in rows)
        yield buf.getvalue().encode()
        buf.seek(0)
        buf.truncate()


def _json(pages: Iterator[list[dict[str, Any]]]) -> Iterator[bytes]:
    yield b"["
    first = True
    for rows in pages:
        for row in rows:
            yield (b"\n  " if first else b",\n  ") + json.dumps(row).encode()
            first = False
    yield b"\n]\n"


def _parquet(pages: Iterator[list[dict[str, Any]]]) -> Iterator[bytes]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    types = {
        "weight": pa.float64(),
        "evaluated": pa.int64(),
        "failed": pa.int64(),
        "pass_rate": pa.float64(),
        "observed": pa.float64(),
    }
    schema = pa.schema([pa.field(c, types.get(c, pa.string())) for c in COLUMNS])
    buf = io.BytesIO()
    with pq.ParquetWriter(buf, schema) as writer:
        for rows in pages:
            writer.write_table(pa.Table.from_pylist(rows, schema=schema))
            yield _drain(buf)
    yield _drain(buf)


def _drain(buf: io.BytesIO) -> bytes:
    data = buf.getvalue()
    buf.seek(0)
    buf.truncate()
    return data
