"""Fast reads of one query into Parquet, batch by batch (bounded memory).

PostgreSQL goes through ADBC (binary COPY into Arrow), MySQL/MariaDB and SQLite through
connectorx (native Arrow); any other database through SQLAlchemy Core with server-side
cursors, converted to Arrow one batch at a time. Never an ORM object per row.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pyarrow as pa
    from sqlalchemy import TextClause

    from vmsdq.sources.sql_url import DatabaseUrl


@contextmanager
def open_reader(
    db: DatabaseUrl, query: str, *, batch_rows: int, root: Path
) -> Iterator[pa.RecordBatchReader]:
    """A RecordBatchReader over the query's rows, using the fastest driver for the database."""
    if db.backend == "postgresql":
        with _adbc_postgres(db, query, batch_rows) as reader:
            yield reader
        return
    cx_url = db.connectorx(root)
    if cx_url is not None:
        import connectorx as cx

        reader = cx.read_sql(cx_url, query, return_type="arrow_stream", batch_size=batch_rows)
        yield reader
        return
    with _sqlalchemy_stream(db, query, batch_rows) as reader:
        yield reader


@contextmanager
def _adbc_postgres(db: DatabaseUrl, query: str, batch_rows: int) -> Iterator[pa.RecordBatchReader]:
    import adbc_driver_postgresql.dbapi as pg

    hint = str(batch_rows * 200)  # approximate bytes per batch handed over by the driver
    with pg.connect(db.adbc_postgres()) as conn, conn.cursor() as cur:
        cur.adbc_statement.set_options(**{"adbc.postgresql.batch_size_hint_bytes": hint})
        cur.execute(query)
        yield cur.fetch_record_batch()


@contextmanager
def _sqlalchemy_stream(
    db: DatabaseUrl, query: str, batch_rows: int
) -> Iterator[pa.RecordBatchReader]:
    import pyarrow as pa
    from sqlalchemy import create_engine

    engine = create_engine(db.sqlalchemy())
    try:
        with engine.connect() as conn:
            result = conn.execution_options(stream_results=True, yield_per=batch_rows).execute(
                verbatim(query)
            )
            names = list(result.keys())
            head = _batch(names, result.fetchmany(batch_rows))
            schema = _plain_schema(head.schema)  # a column NULL in the first batch: text

            def batches() -> Iterator[pa.RecordBatch]:
                yield head.cast(schema)
                for part in result.partitions(batch_rows):
                    yield _batch(names, part).cast(schema)

            yield pa.RecordBatchReader.from_batches(schema, batches())
    finally:
        engine.dispose()


def verbatim(sql: str) -> TextClause:
    """SQL for SQLAlchemy to send as written: no ``:name`` is a parameter ('a :b' stays)."""
    from sqlalchemy import text

    return text(sql.replace(":", "\\:"))


def _batch(names: list[str], rows: Sequence[Sequence[object]]) -> pa.RecordBatch:
    import pyarrow as pa

    columns = list(zip(*rows, strict=True)) if rows else [() for _ in names]
    return pa.RecordBatch.from_arrays([pa.array(list(c)) for c in columns], names=names)


def write_parquet(
    reader: pa.RecordBatchReader, target: Path, *, statistics: list[str] | None = None
) -> int:
    """Stream the reader into ``target`` (atomically replaced); returns the row count.

    One batch in memory at a time. Snappy without dictionaries, column statistics only for
    ``statistics`` (the watermark column): the cheapest to write (see bench/ingest.py).
    """
    from vmsdq.core import sealed_files

    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    schema = _plain_schema(reader.schema)
    rows = 0
    try:
        with sealed_files.writer(
            tmp,
            schema,
            compression="snappy",
            use_dictionary=False,
            write_statistics=[c for c in statistics or [] if c in schema.names],
        ) as out:
            for batch in reader:
                if batch.num_rows:
                    out.write_batch(batch.cast(schema) if batch.schema != schema else batch)
                    rows += batch.num_rows
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    os.replace(tmp, target)
    return rows


def _plain_schema(schema: pa.Schema) -> pa.Schema:
    """Drop driver metadata and turn types Parquet cannot store (e.g. NULL) into strings."""
    import pyarrow as pa

    fields = [pa.field(f.name, pa.string() if pa.types.is_null(f.type) else f.type) for f in schema]
    return pa.schema(fields)
