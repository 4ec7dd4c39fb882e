"""The SQL pushdown backend: compiled checks run inside the database the rows live in.

Only aggregates and flagged rows come back: one row of counts and one row of table metrics
per entity, and the key (with the offending values) of each failing row, which go through
the one failure writer. No other row leaves the database.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlglot
from sqlalchemy import create_engine, inspect, text
from sqlglot import exp

from vmsdq.checks.model import Check, CompiledEntity
from vmsdq.core.errors import SourceError, VmsdqError
from vmsdq.core.results import EntityResult, RuleResult
from vmsdq.engine.backend import Capabilities, Progress
from vmsdq.engine.databases import database_capabilities
from vmsdq.engine.failures import failure_file, write_flagged
from vmsdq.engine.rule_results import row_rule, table_rule
from vmsdq.engine.schema import delivered_by_field, schema_results
from vmsdq.engine.sql_dialect import UnsafeCastError, real_column
from vmsdq.engine.sql_queries import Database, row_queries, table_sql
from vmsdq.engine.tables import table_outcomes

if TYPE_CHECKING:  # pyarrow: imported where rows are fetched, not by every run
    import pyarrow as pa
    from sqlalchemy import TextClause
    from sqlalchemy.engine import URL, Connection

BATCH_ROWS = 50_000  # flagged rows fetched per round trip
ANY_TIME = datetime(2000, 1, 1, tzinfo=UTC)  # the reference time changes no SQL's shape


class SqlBackend:
    """Runs row and table checks in the database at ``url`` (a SQLAlchemy URL object).

    Views are the database's tables: ``tables`` maps each entity name to its table as the
    source describes it (``SqlSource.tables``).
    """

    def __init__(
        self, url: URL, capabilities: Capabilities, *, batch_rows: int = BATCH_ROWS
    ) -> None:
        self.url = url
        self.capabilities = capabilities
        self.batch_rows = batch_rows
        self.safe = url.render_as_string(hide_password=True)
        self._columns: dict[str, dict[str, str]] = {}  # table -> column -> type, for its life

    @classmethod
    def for_url(cls, url: URL) -> SqlBackend | None:
        """A backend for the URL's database, or None when no capabilities are registered."""
        caps = database_capabilities(url.get_backend_name())
        return None if caps is None else cls(url, caps)

    def __repr__(self) -> str:
        return f"SqlBackend({self.safe!r})"

    def refusals(self, entity: CompiledEntity, tables: Mapping[str, str], /) -> dict[str, str]:
        """Checks these tables cannot run: a missing column, an unsafe cast, unwritable SQL."""
        with self._connection(entity.name) as conn:
            db = self._database(conn, entity, tables)
        missing = missing_column(
            entity, db.columns[entity.name], entity.source_columns.get(entity.name)
        )
        return refused(entity, db, missing, f"table '{tables[entity.name]}'")

    def validate(
        self,
        entities: Sequence[CompiledEntity],
        tables: Mapping[str, str],
        /,
        *,
        failures_dir: Path,
        now: datetime,
        progress: Progress | None = None,
    ) -> list[EntityResult]:
        """Run every check of each entity in the database; raises ``SourceError`` on failure.

        Give it only checks the planner let through (``vmsdq.engine.planner.push``).
        """
        notify = progress or (lambda _entity, _stage: None)
        return [self._validate(e, tables, Path(failures_dir), now, notify) for e in entities]

    def _validate(
        self,
        entity: CompiledEntity,
        tables: Mapping[str, str],
        failures_dir: Path,
        now: datetime,
        notify: Progress,
    ) -> EntityResult:
        started = time.perf_counter()
        result = EntityResult(entity=entity.name, rows=0, location=self.location(tables, entity))
        rows = [c for c in entity.checks if c.scope == "row"]
        table_checks = [c for c in entity.checks if c.scope == "table"]
        path = failure_file(failures_dir, entity.name)
        with self._connection(entity.name) as conn:
            db = self._database(conn, entity, tables)
            notify(entity.name, "row checks")
            queries = row_queries(entity, rows, db)
            counts = conn.execute(_statement(queries.counts)).one()
            result.rows = int(counts[0])
            found = {c.name: count_pair(counts, i) for i, c in enumerate(rows)}
            notify(entity.name, "table checks")
            outcomes: dict[str, tuple[float | None, bool]] = {}
            if table_checks:
                row = conn.execute(_statement(table_sql(entity, table_checks, now, db))).one()
                outcomes = table_outcomes(table_checks, tuple(row))
            notify(entity.name, "failures")
            failing = [i for i, c in enumerate(rows) if found[c.name][1]]
            batches = self._flagged(conn, queries.flagged) if failing else iter(())
            write_flagged(path, queries.plan, failing, batches, entity.name)
        delivered = delivered_by_field(entity, db.columns[entity.name])
        schemas = {r.rule: r for r in schema_results(entity.checks, delivered)}
        result.rules = [schemas.get(c.name) or rule_result(c, found, outcomes)
                        for c in entity.checks]  # fmt: skip
        result.failures_path = str(path)
        result.seconds = time.perf_counter() - started
        return result

    def location(self, tables: Mapping[str, str], entity: CompiledEntity) -> str:
        """How messages name the entity's rows, as the SQL source does."""
        return f"table '{tables[entity.name]}' in {self.safe}"

    @contextmanager
    def _connection(self, entity: str) -> Iterator[Connection]:
        """A connection with the session statements run; driver errors become SourceError."""
        engine = create_engine(self.url)
        try:
            with engine.connect() as conn:
                for statement in self.capabilities.session:
                    conn.exec_driver_sql(statement)
                yield conn
        except VmsdqError:
            raise
        except Exception as exc:  # driver errors differ per database
            detail = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise SourceError(
                f"entity '{entity}': pushdown to {self.safe} failed: {self._scrub(detail)}"
            ) from None
        finally:
            engine.dispose()

    def _database(
        self, conn: Connection, entity: CompiledEntity, tables: Mapping[str, str]
    ) -> Database:
        """The tables the entity's checks read, with their real columns and types."""
        inspector = inspect(conn)
        columns: dict[str, dict[str, str]] = {}
        for view in views_read(entity, tables):
            name = tables[view]
            if name not in self._columns:
                table = exp.to_table(name, dialect=self.capabilities.dialect)
                found = inspector.get_columns(table.name, schema=table.db or None)
                self._columns[name] = {c["name"]: type(c["type"]).__name__.lower() for c in found}
            columns[view] = self._columns[name]
        return Database(self.capabilities, tables, columns, entity.source_columns)

    def _flagged(self, conn: Connection, sql: str) -> Iterator[pa.RecordBatch]:
        """The flagged rows, one Arrow batch per round trip (bounded memory)."""
        import pyarrow as pa

        options = conn.execution_options(stream_results=True, yield_per=self.batch_rows)
        result = options.execute(_statement(sql))
        names = list(result.keys())
        for part in result.partitions(self.batch_rows):
            arrays = [arrow_array(list(values)) for values in zip(*part, strict=True)]
            yield pa.RecordBatch.from_arrays(arrays, names=names)

    def _scrub(self, message: str) -> str:
        password = self.url.password
        return message.replace(str(password), "***") if password else message


def refused(
    entity: CompiledEntity, db: Database, missing: str | None, where: str
) -> dict[str, str]:
    """Check name -> why ``db`` cannot run it: every check when the column ``missing`` is
    absent from ``where``, else the checks whose SQL cannot be written for it."""
    if missing is not None:
        return {c.name: f"column '{missing}' is missing from {where}" for c in entity.checks}
    if unwritable(entity, entity.checks, db) is None:  # the usual case: one try
        return {}
    return {
        check.name: why
        for check in entity.checks
        if (why := unwritable(entity, [check], db)) is not None
    }


def unwritable(entity: CompiledEntity, checks: Sequence[Check], db: Database) -> str | None:
    """Why the SQL of ``checks`` cannot be written for the database, or None."""
    rows = [c for c in checks if c.scope == "row"]
    tables = [c for c in checks if c.scope == "table"]
    try:
        if rows:
            row_queries(entity, rows, db)
        if tables:
            table_sql(entity, tables, ANY_TIME, db)
    except UnsafeCastError as error:
        return f"no safe cast in {db.caps.dialect}: {error}"
    except sqlglot.errors.UnsupportedError as error:
        return f"SQLGlot cannot write it for {db.caps.dialect}: {error}"
    return None


def rule_result(
    check: Check,
    rows: Mapping[str, tuple[int, int]],
    tables: Mapping[str, tuple[float | None, bool]],
) -> RuleResult:
    if check.scope == "table":
        return table_rule(check, *tables[check.name])
    return row_rule(check, *rows[check.name])


def views_read(entity: CompiledEntity, tables: Mapping[str, object]) -> list[str]:
    """The entity's own view, then every other view its checks read that is a view here."""
    views = {entity.name: None}
    for check in entity.checks:
        for relation in check.relations:
            for table in relation.query.find_all(exp.Table):
                if table.name in tables:
                    views[table.name] = None
    return list(views)


def missing_column(
    entity: CompiledEntity, columns: Mapping[str, str], renames: Mapping[str, str] | None = None
) -> str | None:
    """The first field whose column ``columns`` lacks: named as ``renames`` (field ->
    column) says, else by the field's name (a snapshot's view names columns by field)."""
    for column in entity.columns:
        wanted = (renames or {}).get(column.name, column.name)
        if real_column(wanted, columns) is None:
            return wanted
    return None


def arrow_array(values: list[object]) -> pa.Array:
    """Arrow values as the driver returned them; types Arrow does not know become text."""
    import pyarrow as pa

    try:
        return pa.array(values)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return pa.array([None if v is None else str(v) for v in values], pa.string())


def _statement(sql: str) -> TextClause:
    """The SQL as SQLAlchemy sends it verbatim: no ``:name`` is a parameter ('a :b' stays)."""
    return text(sql.replace(":", "\\:"))


def count_pair(counts: Sequence[Any], index: int) -> tuple[int, int]:
    """(rows evaluated, rows failed) of row check ``index`` from the counts row."""
    return int(counts[1 + 2 * index] or 0), int(counts[2 + 2 * index] or 0)
