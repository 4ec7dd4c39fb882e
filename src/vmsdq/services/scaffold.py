"""``vmsdq init --from-data``: a project whose entities, fields and types are read from data.

The data is a file (CSV, Parquet, JSON), a folder of them, or a SQLAlchemy URL of a database
(every table). Each file or table becomes an entity: its columns are fields with the type
DuckDB or the database gives them; the key is the primary key, else a column named ``id``
or ``<entity>_id`` holding distinct values, else the first column holding distinct values.
Typed sources (Parquet, SQL) get ``check_type: false``: their values already have the type.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from vmsdq.core.errors import ConfigError
from vmsdq.core.words import FieldType
from vmsdq.spec.init import write_project

FILE_FORMATS = {".csv": "csv", ".parquet": "parquet", ".pq": "parquet"}
FILE_FORMATS |= {".json": "json", ".jsonl": "json", ".ndjson": "json"}
_READERS = {"csv": "read_csv", "parquet": "read_parquet", "json": "read_json"}
_TYPED_FORMATS = {"parquet"}
_DUCKDB_TYPES = [
    (re.compile(r"^BOOL"), FieldType.boolean),
    (re.compile(r"^U?(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT)$"), FieldType.integer),
    (re.compile(r"^(DOUBLE|FLOAT|REAL|DECIMAL)"), FieldType.number),
    (re.compile(r"^DATE$"), FieldType.date),
    (re.compile(r"^TIMESTAMP"), FieldType.timestamp),
]
SOURCE = "data"
URL_ENV = "VMSDQ_SOURCE_URL"


@dataclass
class Column:
    name: str
    type: FieldType
    distinct: bool = False  # no NULL and no value twice


@dataclass
class Table:
    """One entity to write: where it is read from and its columns."""

    source_name: str  # file stem or table name
    location: dict[str, str]  # the entity's ``sources.<name>`` entry
    columns: list[Column]
    typed: bool
    primary_key: list[str] = field(default_factory=list)
    counted: bool = False  # Column.distinct was measured


@dataclass(frozen=True)
class Scaffold:
    written: list[Path]
    notes: list[str]


def init_from_data(target: Path, data: str, *, force: bool = False) -> Scaffold:
    """Write a project into ``target`` describing ``data`` (a file, folder or database URL).

    Raises:
        ConfigError: nothing to read at ``data``, or files exist and ``force`` is false.
    """
    if "://" in data:
        source, tables = _database(data)
    else:
        source, tables = _files(Path(data), target)
    notes: list[str] = []
    contents = {Path("vmsdq.yaml"): _project_yaml(source)}
    names: set[str] = set()
    for table in tables:
        name = _unique_name(_identifier(table.source_name, "entity"), names)
        text, note = _entity_yaml(name, table)
        contents[Path("entities") / f"{name}.yaml"] = text
        notes += [note] if note else []
    if source.get("url_env"):
        notes.append(f"set {URL_ENV} to the database URL before running (it holds a password)")
    return Scaffold(write_project(target, contents, force=force), notes)


def _files(path: Path, target: Path) -> tuple[dict[str, Any], list[Table]]:
    if path.is_dir():
        folder = path
        found = sorted(p for p in path.iterdir() if p.suffix.lower() in FILE_FORMATS)
    elif path.is_file() and path.suffix.lower() in FILE_FORMATS:
        folder, found = path.parent, [path]
    else:
        kinds = ", ".join(sorted(FILE_FORMATS))
        what = "no such file or folder" if not path.exists() else f"not a data file ({kinds})"
        raise ConfigError(f"--from-data {path}: {what}")
    if not found:
        raise ConfigError(f"--from-data {path}: the folder holds no {', '.join(FILE_FORMATS)} file")
    import duckdb

    con = duckdb.connect()
    try:
        tables = [_file_table(con, file) for file in found]
    finally:
        con.close()
    relative = os.path.relpath(folder.resolve(), target.resolve())
    return {"type": "files", "path": relative}, tables


def _file_table(con: Any, file: Path) -> Table:
    import duckdb

    kind = FILE_FORMATS[file.suffix.lower()]
    relation = f"{_READERS[kind]}(?)"
    try:
        described = con.execute(f"DESCRIBE SELECT * FROM {relation}", [str(file)]).fetchall()
        columns = [Column(str(row[0]), _duckdb_type(str(row[1]))) for row in described]
        _mark_distinct(con, relation, [str(file)], columns)
    except duckdb.Error as e:
        raise ConfigError(f"--from-data {file}: cannot read it as {kind}: {e}") from None
    location = {"path": file.name}
    return Table(file.stem, location, columns, typed=kind in _TYPED_FORMATS, counted=True)


def _mark_distinct(con: Any, relation: str, params: list[str], columns: list[Column]) -> None:
    if not columns:
        return
    from sqlglot import exp

    counts = [
        exp.Count(this=exp.Distinct(expressions=[exp.column(c.name, quoted=True)])) for c in columns
    ]  # column names come from the file: always quoted identifiers
    select = exp.select(exp.Count(this=exp.Star()), *counts).sql(dialect="duckdb")
    total, *distinct = con.execute(f"{select} FROM {relation}", params).fetchone()
    for column, n in zip(columns, distinct, strict=True):
        column.distinct = total > 0 and n == total


def _duckdb_type(name: str) -> FieldType:
    for pattern, kind in _DUCKDB_TYPES:
        if pattern.match(name.upper()):
            return kind
    return FieldType.string


def _database(url: str) -> tuple[dict[str, Any], list[Table]]:
    from sqlalchemy import create_engine, inspect
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError, SQLAlchemyError

    try:
        parsed = make_url(url)
        engine = create_engine(parsed)
    except (ArgumentError, ImportError) as e:
        raise ConfigError(f"--from-data: not a usable SQLAlchemy URL: {e}") from None
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        parsed = parsed.set(database=str(Path(parsed.database).resolve()))
    try:
        inspector = inspect(engine)
        tables = [_sql_table(inspector, name) for name in sorted(inspector.get_table_names())]
    except SQLAlchemyError as e:
        shown = parsed.render_as_string(hide_password=True)
        raise ConfigError(f"--from-data {shown}: cannot read the tables: {e}") from None
    finally:
        engine.dispose()
    if not tables:
        raise ConfigError(f"--from-data {parsed.render_as_string(hide_password=True)}: no table")
    if parsed.password:
        return {"type": "sql", "url_env": URL_ENV}, tables
    return {"type": "sql", "url": parsed.render_as_string(hide_password=False)}, tables


def _sql_table(inspector: Any, name: str) -> Table:
    columns = [Column(str(c["name"]), _sql_type(c["type"])) for c in inspector.get_columns(name)]
    primary = inspector.get_pk_constraint(name).get("constrained_columns") or []
    return Table(name, {"table": name}, columns, typed=True, primary_key=list(primary))


def _sql_type(sql_type: Any) -> FieldType:
    from sqlalchemy import types

    for kind, field_type in (
        (types.Boolean, FieldType.boolean),
        (types.Integer, FieldType.integer),
        (types.Numeric, FieldType.number),
        (types.DateTime, FieldType.timestamp),
        (types.Date, FieldType.date),
    ):
        if isinstance(sql_type, kind):
            return field_type
    return FieldType.string


def _project_yaml(source: dict[str, Any]) -> str:
    project = {
        "name": "${VMSDQ_PROJECT_NAME:-my-project}",
        "sources": {SOURCE: source},
        "default_source": SOURCE,
        "entities": ["entities/*.yaml"],
    }
    header = "# Written by `vmsdq init --from-data`; check it with `vmsdq check`.\n"
    return header + _dump(project)


def _entity_yaml(name: str, table: Table) -> tuple[str, str | None]:
    fields: dict[str, dict[str, Any]] = {}
    renamed: dict[str, str] = {}
    for column in table.columns:
        field_name = _unique_name(_identifier(column.name, "field"), set(fields))
        renamed[column.name] = field_name
        options: dict[str, Any] = {"type": column.type.value}
        if field_name != column.name:
            options["source_name"] = column.name
        if table.typed and column.type is not FieldType.string:
            options["check_type"] = False
        fields[field_name] = options
    key, note = _key(name, table)
    parts = [renamed[part] for part in key]
    for part in parts:
        fields[part] |= {"required": True} if len(parts) > 1 else {"required": True, "unique": True}
    entity: dict[str, Any] = {
        "entity": name,
        "key": parts[0] if len(parts) == 1 else parts,
        "sources": {SOURCE: table.location},
        "fields": fields,
    }
    if len(parts) > 1:  # the combination is unique, not each part
        entity["rules"] = [{"name": "key_unique", "type": "unique", "columns": parts}]
    return _dump(entity), note


def _key(name: str, table: Table) -> tuple[list[str], str | None]:
    if table.primary_key:
        return table.primary_key, None
    by_name = {c.name.lower(): c for c in table.columns}
    for candidate in ("id", f"{name}_id", f"{name}id", "key"):
        column = by_name.get(candidate)
        if column is not None and (column.distinct or not table.counted):
            return [column.name], None
    distinct = [c for c in table.columns if c.distinct]
    if distinct:
        return [distinct[0].name], None
    first = table.columns[0].name if table.columns else None
    if first is None:
        raise ConfigError(f"--from-data: '{table.source_name}' has no column")
    note = f"entity '{name}': no column holds distinct values; key '{first}' is a guess"
    return [first], note


def _identifier(text: str, what: str) -> str:
    name = re.sub(r"[^a-z0-9_]+", "_", text.strip().lower()).strip("_")
    if not name:
        name = what
    return name if name[0].isalpha() else f"{what}_{name}"


def _unique_name(name: str, taken: set[str]) -> str:
    candidate, n = name, 1
    while candidate in taken:
        n += 1
        candidate = f"{name}_{n}"
    taken.add(candidate)
    return candidate


def _dump(data: dict[str, Any]) -> str:
    return yaml.safe_dump(data, sort_keys=False, default_flow_style=None, allow_unicode=True)
