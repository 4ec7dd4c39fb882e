"""The ``files`` source: CSV, Parquet and JSON files (one file or a glob per entity).

CSV and JSON are read by DuckDB and streamed into Parquet snapshots under
``<artifacts>/snapshots/<entity>/``; Parquet files are handed to the engine as they are
(copied only when columns must be renamed). Records that cannot be parsed become
``RejectedRecord`` s with their 1-based physical line number and raw text: never dropped.
"""

from __future__ import annotations

import csv
import glob
import gzip
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, cast

from sqlglot import exp

from vmsdq.core import duckdb_cursors, sealed_files
from vmsdq.core.errors import MissingColumnError, SourceError
from vmsdq.core.snapshots import RejectedRecord, Snapshot
from vmsdq.core.words import FieldType, ViewRef, ViewRole
from vmsdq.core.workspace import Workspace
from vmsdq.sources.json_array import object_error, split_json_array
from vmsdq.spec import paths

if TYPE_CHECKING:
    import duckdb

    from vmsdq.spec.models import EntitySource, EntitySpec, FilesSourceSpec

FORMATS = {".csv": "csv", ".parquet": "parquet", ".pq": "parquet"}
FORMATS |= {".json": "json", ".jsonl": "json", ".ndjson": "json"}
DELIMITERS = (",", "\t", ";", "|")
STALE_SECONDS = 6 * 3600  # older snapshot folders of an entity are pruned on the next read


@dataclass
class _Read:
    """What reading one file produced."""

    parquet: str
    rows: int
    rejects: list[RejectedRecord]


class FilesSource:
    """Reads entities from files below ``root / spec.path``."""

    def __init__(
        self, name: str, spec: FilesSourceSpec, *, root: Path, workspace: Workspace
    ) -> None:
        self.name = name
        self.spec = spec
        self.root = Path(root)
        self.folder = self.root / spec.path
        self.workspace = workspace

    def read(self, entity: EntitySpec) -> Snapshot:
        """Read one entity (and its ``previous`` state when declared) into a snapshot."""
        return self._read(entity, entity.entity)

    def read_mirror(self, entity: EntitySpec) -> Snapshot:
        """Read the other system's copy of a mirrored entity (its own field names)."""
        from vmsdq.reconcile import mirror_entity

        if entity.mirror is None:
            raise SourceError(f"entity '{entity.entity}' declares no mirror to read")
        return self._read(mirror_entity(entity), ViewRef(entity.entity, ViewRole.mirror).name)

    def column_types(self, entity: EntitySpec) -> dict[str, FieldType]:
        """From the first Parquet file's schema; CSV and JSON columns have no declared type."""
        src = entity.sources.get(self.name)
        pattern = src.path if src is not None and src.path else f"{entity.entity}.*"
        files = self._match(entity.entity, pattern, explicit=src is not None and bool(src.path))
        if _format_of(entity.entity, files, src.format if src else None, self._show) != "parquet":
            return {}
        import pyarrow.parquet as pq  # here: CSV and JSON runs need no pyarrow (issue #9)

        from vmsdq.sources.physical import arrow_type

        schema = pq.read_schema(files[0])
        found = {
            field: arrow_type(schema.field(column).type)
            for column, field in _declared_columns(entity).items()
            if column in schema.names
        }
        return {field: kind for field, kind in found.items() if kind is not None}

    def _read(self, entity: EntitySpec, view: str) -> Snapshot:
        src = entity.sources.get(self.name)
        pattern = src.path if src is not None and src.path else f"{entity.entity}.*"
        snap = self._read_pattern(entity, src, pattern, view)
        if src is not None and src.previous:
            previous = ViewRef(entity.entity, ViewRole.previous).name
            snap.previous = self._read_pattern(entity, src, src.previous, previous)
        return snap

    def _read_pattern(
        self, entity: EntitySpec, src: EntitySource | None, pattern: str, view: str
    ) -> Snapshot:
        started = time.perf_counter()
        files = self._match(entity.entity, pattern, explicit=src is not None and bool(src.path))
        fmt = _format_of(entity.entity, files, src.format if src else None, self._show)
        columns = _declared_columns(entity)
        out_dir = self._snapshot_dir(view)
        reads: list[_Read] = []
        for i, path in enumerate(files):
            target = out_dir / f"part-{i:04d}.parquet"
            reads.append(self._read_file(entity.entity, fmt, path, columns, target))
        rejects = [r for read in reads for r in read.rejects]
        rows = sum(read.rows for read in reads)
        shown = [self._show(p) for p in files]
        return Snapshot(
            entity=entity.entity,
            location=shown[0] if len(shown) == 1 else self._show(self.folder / pattern),
            parquet=[read.parquet for read in reads],
            rejects=rejects,
            meta={
                "source": self.name,
                "format": fmt,
                "paths": shown,
                "rows": rows,
                "rejected": len(rejects),
                "read_seconds": round(time.perf_counter() - started, 6),
                **self._delivered(entity.entity, fmt, files),
            },
        )

    def _delivered(self, entity: str, fmt: str, files: list[Path]) -> dict[str, Any]:
        """``{"delivered": [[column, type], ...]}``: the first file's columns as the source
        delivers them, before any is left out (schema checks); CSV columns are text."""
        if not files or fmt == "json":  # JSON: the snapshot's columns stand for it
            return {}
        if fmt == "csv":
            header, _ = _csv_header(entity, files[0], self._show(files[0]))
            return {"delivered": [[name, "VARCHAR"] for name in header]}
        import pyarrow.parquet as pq

        schema = pq.read_schema(files[0])
        return {"delivered": [[f.name, str(f.type)] for f in schema]}

    def _read_file(
        self, entity: str, fmt: str, path: Path, columns: dict[str, str], target: Path
    ) -> _Read:
        import duckdb

        read = {"csv": _read_csv, "json": _read_json}.get(fmt, _read_parquet)
        arrow: tuple[type[Exception], ...] = ()
        if read is _read_parquet:  # only Parquet goes through pyarrow (CSV: no import, #9)
            from pyarrow.lib import ArrowException

            arrow = (ArrowException,)
        caught: tuple[type[Exception], ...] = (duckdb.Error, OSError, *arrow)
        try:
            # rows need no order; without it DuckDB streams CSV/JSON to Parquet in less memory
            with duckdb_cursors.cursor("files", {"preserve_insertion_order": False}) as con:
                return read(con, entity, path, self._show(path), columns, target)
        except caught as exc:
            detail = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            what = "not a readable Parquet file: " if isinstance(exc, arrow) else ""
            raise SourceError(
                f"entity '{entity}': cannot read {self._show(path)}: {what}{detail}"
            ) from exc

    def _match(self, entity: str, pattern: str, *, explicit: bool) -> list[Path]:
        allowed = paths.folders(self.root, self.spec.path, self.spec.allow)
        if paths.pattern_escapes(self.folder, pattern, allowed):
            raise SourceError(paths.refusal(entity, self.name, pattern, allowed))
        full = str(self.folder / pattern)
        found = sorted(Path(p) for p in glob.glob(full, recursive=True) if Path(p).is_file())
        escaped = [p for p in found if paths.outside(p, allowed)]  # a link leading out
        if escaped:
            raise SourceError(paths.refusal(entity, self.name, str(escaped[0]), allowed))
        if not explicit:
            found = [p for p in found if _suffix(p) in FORMATS]
        if not found:
            raise SourceError(
                f"entity '{entity}': no file matches '{pattern}' in folder "
                f"{self._show(self.folder)} (source '{self.name}')"
            )
        return found

    def _snapshot_dir(self, view: str) -> Path:
        """A fresh folder in this run's scratch space for the Parquet copy of one view."""
        folder = self.workspace.scratch / view / uuid.uuid4().hex[:12]
        folder.mkdir(parents=True)
        return folder

    def close(self) -> None:
        return None

    def _show(self, path: Path) -> str:
        """A path as users should see it: relative to the project root when inside it."""
        try:
            return str(Path(path).relative_to(self.root))
        except ValueError:
            return str(path)


def _suffix(path: Path) -> str:
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] == ".gz":
        suffixes = suffixes[:-1]
    return suffixes[-1] if suffixes else ""


def _format_of(
    entity: str, files: list[Path], declared: str | None, show: Callable[[Path], str]
) -> str:
    if declared:
        return declared
    odd = [p for p in files if _suffix(p) not in FORMATS]
    if odd:
        odd_one = odd[0]
        raise SourceError(
            f"entity '{entity}': cannot tell the format of {show(odd_one)} from its extension "
            f"(known: {', '.join(FORMATS)}); set 'format:' in the entity's source"
        )
    kinds = {FORMATS[_suffix(p)] for p in files}
    if len(kinds) > 1:
        raise SourceError(f"entity '{entity}': the matched files mix formats {sorted(kinds)}")
    return str(kinds.pop())


def _declared_columns(entity: EntitySpec) -> dict[str, str]:
    """Source column name -> field name, in declared order."""
    return {(f.source_name or name): name for name, f in entity.fields.items()}


def _check_columns(entity: str, present: list[str], columns: dict[str, str], shown: str) -> None:
    have = set(present)
    for column in columns:
        if column not in have:
            raise MissingColumnError(entity, column, shown)


def _select_sql(columns: dict[str, str], *, cast: bool) -> str:
    items = []
    for src, field in columns.items():
        col: exp.Expression = exp.column(src, quoted=True)
        if cast:
            col = exp.cast(col, "VARCHAR")
        items.append(exp.alias_(col, field, quoted=True).sql("duckdb"))
    return ", ".join(items)


def _write(rel: duckdb.DuckDBPyRelation, columns: dict[str, str], target: Path, cast: bool) -> int:
    return sealed_files.write_relation(rel.project(_select_sql(columns, cast=cast)), target)


def _write_empty(con: duckdb.DuckDBPyConnection, columns: dict[str, str], target: Path) -> int:
    """A Parquet file with the declared fields (text) and no rows."""
    nulls = [exp.alias_(exp.cast(exp.null(), "VARCHAR"), f, quoted=True) for f in columns.values()]
    sealed_files.write_relation(
        con.sql(exp.select(*nulls).where(exp.false()).sql("duckdb")), target
    )
    return 0


def _open(path: Path) -> IO[bytes]:
    if path.suffix.lower() == ".gz":
        return cast("IO[bytes]", gzip.open(path, "rb"))
    return path.open("rb")


def _read_parquet(
    con: duckdb.DuckDBPyConnection,
    entity: str,
    path: Path,
    shown: str,
    columns: dict[str, str],
    target: Path,
) -> _Read:
    import pyarrow.parquet as pq

    names = pq.read_schema(path).names
    _check_columns(entity, names, columns, shown)
    if all(src == field for src, field in columns.items()):
        return _Read(parquet=str(path), rows=int(pq.read_metadata(path).num_rows), rejects=[])
    rows = _write(con.read_parquet(str(path)), columns, target, cast=False)
    return _Read(parquet=str(target), rows=rows, rejects=[])


def _read_csv(
    con: duckdb.DuckDBPyConnection,
    entity: str,
    path: Path,
    shown: str,
    columns: dict[str, str],
    target: Path,
) -> _Read:
    header, delimiter = _csv_header(entity, path, shown)
    _check_columns(entity, header, columns, shown)
    rel = con.read_csv(
        str(path),
        header=True,
        auto_detect=False,
        columns=dict.fromkeys(header, "VARCHAR"),
        sep=delimiter,
        quotechar='"',
        escapechar='"',
        strict_mode=True,
        store_rejects=True,
    )
    rows = _write(rel, columns, target, cast=False)
    found = con.sql(
        "SELECT line, line_byte_position, error_type, error_message, csv_line "
        "FROM reject_errors ORDER BY line, byte_position"
    ).fetchall()
    return _Read(parquet=str(target), rows=rows, rejects=_csv_rejects(entity, path, shown, found))


def _csv_header(entity: str, path: Path, shown: str) -> tuple[list[str], str]:
    with _open(path) as fh:
        first = fh.readline()
    if first.startswith(b"\xef\xbb\xbf"):
        first = first[3:]
    try:
        text = first.decode("utf-8").rstrip("\r\n")
    except UnicodeDecodeError as exc:
        raise SourceError(f"entity '{entity}': {shown}:1: the header is not UTF-8 ({exc})") from exc
    if not text.strip():
        raise SourceError(f"entity '{entity}': {shown} is empty (no header line)")
    delimiter = max(DELIMITERS, key=lambda d: (text.count(d), d == ","))
    header = [name.strip() for name in next(csv.reader([text], delimiter=delimiter))]
    dupes = sorted({n for n in header if header.count(n) > 1})
    if dupes:
        raise SourceError(f"entity '{entity}': {shown}:1: duplicate column(s) {dupes} in header")
    return header, delimiter


def _csv_rejects(
    entity: str, path: Path, shown: str, found: list[tuple[Any, ...]]
) -> list[RejectedRecord]:
    """One rejected record per bad line, messages of the same line joined."""
    by_line: dict[int, tuple[int | None, list[str], str]] = {}
    for line, pos, kind, message, raw in found:
        _, errors, _ = by_line.setdefault(int(line), (pos, [], (raw or "").strip("\r\n")))
        text = _csv_error(str(kind), str(message))
        if text not in errors:
            errors.append(text)
    positions = [pos for pos, _, _ in by_line.values() if pos is not None]
    physical = _physical_lines(path, positions)
    return [
        RejectedRecord(
            entity=entity,
            location=shown,
            line=physical.get(pos, line) if pos is not None else line,
            error="; ".join(errors),
            raw=raw,
        )
        for line, (pos, errors, raw) in by_line.items()
    ]


def _csv_error(kind: str, message: str) -> str:
    """DuckDB's error in words a user reads."""
    if kind in ("MISSING COLUMNS", "TOO MANY COLUMNS"):
        counts = message.replace("Expected Number of Columns:", "expected").replace(
            "Found:", "columns, found"
        )
        return f"{kind.lower()}: {counts.strip()}"
    if kind == "UNQUOTED VALUE":
        return "unterminated or misplaced quote"
    if kind == "INVALID ENCODING" or "unicode" in message.lower():
        return "invalid UTF-8 encoding"
    return f"{kind.lower()}: {message}"


def _physical_lines(path: Path, positions: list[int]) -> dict[int, int]:
    """Byte offsets (DuckDB's line starts) -> 1-based physical line numbers, in one pass."""
    result: dict[int, int] = {}
    pending = sorted(set(positions))
    newlines, offset, i = 0, 0, 0
    with _open(path) as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            end = offset + len(chunk)
            while i < len(pending) and pending[i] <= end:
                result[pending[i]] = newlines + chunk[: pending[i] - offset].count(b"\n") + 1
                i += 1
            newlines += chunk.count(b"\n")
            offset = end
    for pos in pending[i:]:
        result[pos] = newlines + 1
    return result


def _read_json(
    con: duckdb.DuckDBPyConnection,
    entity: str,
    path: Path,
    shown: str,
    columns: dict[str, str],
    target: Path,
) -> _Read:
    import duckdb

    is_array = _first_byte(path) == b"["
    try:
        if is_array:
            rel = con.read_json(str(path), format="array", records="true", sample_size=-1)
            _check_columns(entity, rel.columns, columns, shown)
            return _Read(str(target), _write(rel, columns, target, cast=True), [])

        rel = con.read_json(str(path), format="newline_delimited", records="true", sample_size=-1)
        _check_columns(entity, rel.columns, columns, shown)
        return _Read(str(target), _write(rel, columns, target, cast=True), [])
    except duckdb.Error:
        pass  # some record is not a JSON object: find and quarantine it, then read the rest
    clean = target.with_suffix(".clean.jsonl")
    if is_array:
        with _open(path) as fh:
            rejects, kept = split_json_array(entity, fh, shown, clean)
    else:
        rejects, kept = _split_json_lines(entity, path, shown, clean)
    if not kept:  # nothing readable: an empty snapshot, the rejects still count
        clean.unlink(missing_ok=True)
        return _Read(str(target), _write_empty(con, columns, target), rejects)
    try:
        rel = con.read_json(str(clean), format="newline_delimited", records="true", sample_size=-1)
        _check_columns(entity, rel.columns, columns, shown)
        return _Read(str(target), _write(rel, columns, target, cast=True), rejects)
    finally:
        clean.unlink(missing_ok=True)


def _first_byte(path: Path) -> bytes:
    with _open(path) as fh:
        for chunk in iter(lambda: fh.read(4096), b""):
            stripped = chunk.lstrip(b"\xef\xbb\xbf \t\r\n")
            if stripped:
                return stripped[:1]
    return b""


def _split_json_lines(
    entity: str, path: Path, shown: str, clean: Path
) -> tuple[list[RejectedRecord], int]:
    """Copy the lines that are JSON objects to ``clean``; return the others and the kept count."""
    rejects: list[RejectedRecord] = []
    kept = 0
    with _open(path) as src, clean.open("wb") as out:
        for number, raw in enumerate(src, start=1):
            if not raw.strip():
                continue
            error = object_error(raw)
            if error is None:
                out.write(raw if raw.endswith(b"\n") else raw + b"\n")
                kept += 1
                continue
            text = raw.decode("utf-8", errors="replace").rstrip("\r\n")
            rejects.append(RejectedRecord(entity, shown, number, error, text))
    return rejects, kept
