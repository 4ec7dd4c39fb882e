"""Failing rows of a run: filtered, sorted and paged, or exported whole as a stream.

The rows live in the run's failure files (``rule, key, values``: see docs/rules.md); DuckDB
reads them where they are, so a page or an export never loads the whole run into memory.
"""

from __future__ import annotations

import difflib
import io
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlglot import exp

from vmsdq.core import duckdb_cursors, sealing
from vmsdq.core.errors import ConfigError, NotFoundError
from vmsdq.core.words import RunStatus
from vmsdq.services import audit
from vmsdq.services.context import Context
from vmsdq.services.exports import neutralise_batch
from vmsdq.services.lookup import resolve, summary
from vmsdq.store.failure_index import FailureIndex, Row, fingerprint
from vmsdq.store.pages import Page, checked_limit, decode_cursor, encode_cursor

SORTS = ("key", "rule")
FORMATS = ("csv", "json", "parquet")
BATCH_ROWS = 50_000
PARSEABLE = ".record.parseable"  # the rule of an entity's rows that could not be read
EMPTY = 'SELECT NULL::VARCHAR AS key, NULL::VARCHAR AS "values", NULL::VARCHAR AS rule LIMIT 0'


@dataclass(frozen=True)
class FailureRow:
    rule: str
    key: str
    values: dict[str, Any]
    key_parts: dict[str, Any] | None = None  # a composite key: field -> typed value


def key_parts(ctx: Context, rule: str, key: str | None) -> dict[str, Any] | None:
    """The parts of a composite key (its failure key is a JSON array), by field; None for
    a one-field key and for keys that are not a record's (``line:<n>``)."""
    spec = ctx.project.entities.get(rule.split(".", 1)[0])
    if spec is None or len(spec.key_fields) < 2 or not key or not key.startswith("["):
        return None
    try:
        values = json.loads(key)
    except ValueError:
        return None
    if not isinstance(values, list) or len(values) != len(spec.key_fields):
        return None
    return dict(zip(spec.key_fields, values, strict=True))


def list_failures(
    ctx: Context,
    run_id: str,
    *,
    rule: str | None = None,
    entity: str | None = None,
    search: str | None = None,
    sort: str = "key",
    descending: bool = False,
    cursor: str | None = None,
    limit: int = 100,
) -> Page[FailureRow]:
    """One page of failing rows; ``search`` matches the key or any offending value."""
    ctx.require("read_rows")
    run, files = _files(ctx, run_id, rule)
    audit.record(ctx, "rows.view", run.run_id, rule=rule, entity=entity, search=search)
    if sort not in SORTS:
        raise ConfigError(f"sort '{sort}' is not one of: {', '.join(SORTS)}")
    if not files:
        return Page([])
    after = decode_cursor(cursor, 4) if cursor is not None else None
    size = checked_limit(limit) + 1
    rows = None
    if rule is not None and entity is None and not search and sort == "key" and run.finished:
        rows = _indexed(ctx, run.run_id, rule, files, after, descending, size)
    if rows is None:
        rows = _scanned(files, rule, entity, search, sort, descending, after, size)
    more = len(rows) > limit
    rows = rows[:limit]
    nxt = None
    if more:
        last = rows[-1]
        nxt = encode_cursor([last[0] if sort == "rule" else last[1], last[0], last[3], last[4]])
    return Page(
        [
            FailureRow(r[0], r[1], json.loads(r[2] or "{}"), key_parts(ctx, r[0], r[1]))
            for r in rows
        ],
        nxt,
    )


def _indexed(
    ctx: Context,
    run_id: str,
    rule: str,
    files: list[Path],
    after: list[Any] | None,
    descending: bool,
    size: int,
) -> list[tuple[Any, ...]] | None:
    """A page from the run's failure index (built for ``rule`` on first use); None when the
    rule's rows cannot be paged there."""
    index = FailureIndex(ctx.artifacts.failure_index(run_id))
    sources = fingerprint(files)
    state = index.state(rule, sources)
    if state is None:
        with _BUILDING:
            state = index.state(rule, sources)
            if state is None:
                columns = 'rule, key, "values", filename, file_row_number'
                # the index keeps values as the failure files hold them (sealed when
                # encryption is on); they are opened on the way out
                sql = f"SELECT {columns} FROM ({_scan(files, unseal=False)}) WHERE rule = ?"
                with _duck() as con:
                    index.build(rule, sources, _rows(con.execute(sql, [rule])))
                state = index.state(rule, sources)
    if not state:
        return None
    if after is not None and after[1] != rule:
        return []  # a cursor of another rule's pages: nothing after it in this rule
    rows = index.page(rule, after=after, descending=descending, limit=size)
    if sealing.keyring() is None:
        return list(rows)
    return [(r[0], r[1], _opened(r[2]), *r[3:]) for r in rows]


def _opened(values: str | None) -> str | None:
    return None if values is None else sealing.unseal(values, sealing.FAILURE_VALUES)


def _rows(result: Any) -> Iterator[Row]:
    while batch := result.fetchmany(10_000):
        yield from batch


def _scanned(
    files: list[Path],
    rule: str | None,
    entity: str | None,
    search: str | None,
    sort: str,
    descending: bool,
    after: list[Any] | None,
    size: int,
) -> list[tuple[Any, ...]]:
    """A page read from the failure files themselves (filters the index does not serve)."""
    where, params = _where(rule, entity, search)
    direction = "DESC" if descending else "ASC"
    order = (
        f'"{sort}" {direction}, rule {direction}, filename {direction}, file_row_number {direction}'
    )
    if after is not None:
        op = "<" if descending else ">"
        where.append(f'("{sort}", rule, filename, file_row_number) {op} (?, ?, ?, ?)')
        params += after
    sql = (
        f'SELECT rule, key, "values", filename, file_row_number FROM ({_scan(files)}) '
        f"WHERE {' AND '.join(where) or 'TRUE'} ORDER BY {order} LIMIT {size}"
    )
    return _query(sql, params)


def export_failures(ctx: Context, run_id: str, rule: str, fmt: str) -> Iterator[bytes]:
    """Every failing row of ``rule`` (key first, one column per offending value), as CSV,
    JSON or Parquet bytes, produced batch by batch."""
    ctx.require("read_rows")
    if fmt not in FORMATS:
        raise ConfigError(f"format '{fmt}' is not one of: {', '.join(FORMATS)}")
    run, files = _files(ctx, run_id, rule)
    audit.record(ctx, "rows.export", run.run_id, rule=rule, fmt=fmt)
    return _export(ctx, run.run_id, files, rule, fmt)


def _export(ctx: Context, run_id: str, files: list[Path], rule: str, fmt: str) -> Iterator[bytes]:
    import duckdb

    con = duckdb.connect()  # an export streams for long: its own connection
    try:
        sealing.duckdb_functions(con)
        columns = _value_columns(con, files, rule) if files else []
        select = ["key"] + [f'json_extract_string("values", ?) AS {_ident(c)}' for c in columns]
        params: list[Any] = [_pointer(c) for c in columns]
        source = (
            _scan(files)
            if files
            else 'SELECT NULL::VARCHAR AS key, NULL AS "values", NULL AS rule WHERE FALSE'
        )
        sql = f"SELECT {', '.join(select)} FROM ({source}) WHERE rule = ? ORDER BY key"
        result = con.execute(sql, [*params, rule])
        reader = result.to_arrow_reader(BATCH_ROWS)
        yield from _encode(reader, fmt, ctx, run_id)
    finally:
        con.close()


def _encode(reader: Any, fmt: str, ctx: Context, run_id: str) -> Iterator[bytes]:
    import pyarrow as pa
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    schema = pa.schema([pa.field(f.name, pa.string()) for f in reader.schema])
    if fmt == "csv":
        buf = io.BytesIO()
        with pacsv.CSVWriter(buf, schema) as writer:
            for batch in reader:
                writer.write_batch(neutralise_batch(batch.cast(schema)))
                yield _drain(buf)
        yield _drain(buf)
    elif fmt == "json":
        yield b"["
        first = True
        for batch in reader:
            for record in batch.to_pylist():
                yield (b"\n  " if first else b",\n  ") + json.dumps(record).encode()
                first = False
        yield b"\n]\n"
    else:
        buf = io.BytesIO()
        with pq.ParquetWriter(buf, schema) as writer:
            for batch in reader:
                writer.write_batch(batch.cast(schema))
                yield _drain(buf)
        yield _drain(buf)


def _drain(buf: io.BytesIO) -> bytes:
    data = buf.getvalue()
    buf.seek(0)
    buf.truncate()
    return data


@dataclass(frozen=True)
class _Run:
    run_id: str
    finished: bool


def _files(ctx: Context, run_id: str, rule: str | None) -> tuple[_Run, list[Path]]:
    """The run's failure files, after checking the run exists and knows ``rule``."""
    found = summary(ctx, resolve(ctx, run_id))  # NotFoundError: not this project's
    run_id = found.run_id
    if rule is not None and not ctx.repos.results.has_rule(run_id, rule, PARSEABLE):
        entities, rules = ctx.repos.results.names(run_id)
        known = sorted(set(rules) | {f"{e}{PARSEABLE}" for e in entities})
        close = difflib.get_close_matches(rule, known, n=5, cutoff=0.5)
        hint = f"; did you mean: {', '.join(close)}" if close else ""
        raise NotFoundError(f"run '{run_id}' has no rule '{rule}'{hint}")
    finished = RunStatus(found.status).finished
    return _Run(run_id, finished), ctx.artifacts.failure_files(run_id)


def _where(rule: str | None, entity: str | None, search: str | None) -> tuple[list[str], list[Any]]:
    where: list[str] = []
    params: list[Any] = []
    if rule is not None:
        where.append("rule = ?")
        params.append(rule)
    if entity is not None:
        where.append("starts_with(rule, ?)")
        params.append(f"{entity}.")
    if search:
        where.append('(contains(lower(key), ?) OR contains(lower("values"), ?))')
        params += [search.lower(), search.lower()]
    return where, params


def _scan(files: list[Path], *, unseal: bool = True) -> str:
    listed = ", ".join(exp.Literal.string(str(f)).sql("duckdb") for f in files)
    opened = unseal and sealing.keyring() is not None
    values = 'vmsdq_unseal("values")' if opened else '"values"'
    return (
        f'SELECT rule, key, {values} AS "values", '
        "parse_filename(filename) AS filename, file_row_number "
        f"FROM read_parquet([{listed}], union_by_name = true, filename = true, "
        "file_row_number = true)"
    )


def _query(sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
    with _duck() as con:
        found: list[tuple[Any, ...]] = con.execute(sql, params).fetchall()
        return found


_BUILDING = threading.Lock()  # one index build at a time in a process


@contextmanager
def _duck() -> Iterator[Any]:
    """A cursor of the process's DuckDB for failure files (sealing functions registered)."""
    with duckdb_cursors.cursor("failures", {"threads": "2"}, sealing.duckdb_functions) as con:
        yield con


def _value_columns(con: Any, files: list[Path], rule: str) -> list[str]:
    sql = (
        f'SELECT DISTINCT unnest(json_keys("values")) AS k FROM ({_scan(files)}) '
        'WHERE rule = ? AND "values" IS NOT NULL ORDER BY k'
    )
    return [r[0] for r in con.execute(sql, [rule]).fetchall() if r[0] != "key"]


def _ident(name: str) -> str:
    return exp.to_identifier(name, quoted=True).sql("duckdb")


def _pointer(name: str) -> str:
    """A JSON pointer to the top-level member ``name`` (RFC 6901 escaping)."""
    return "/" + name.replace("~", "~0").replace("/", "~1")
