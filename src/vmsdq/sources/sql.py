"""The ``sql`` source: one entity = one table or SELECT in any SQLAlchemy database.

Rows are read into Arrow with the fastest driver available (see ``sql_read``) and written
batch by batch to a Parquet snapshot under the artifact folder, so memory stays bounded.
Columns are selected (and renamed from ``source_name``) by a SQLGlot query in the
database's dialect; a declared column the table lacks is a ``MissingColumnError``.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlglot import exp

from vmsdq.core.errors import (
    ConfigError,
    MissingColumnError,
    SourceError,
    SourceUnavailableError,
)
from vmsdq.core.snapshots import Snapshot
from vmsdq.core.words import FieldType, ViewRef, ViewRole
from vmsdq.core.workspace import Workspace
from vmsdq.sources.sql_url import DatabaseUrl, resolve_url

if TYPE_CHECKING:
    from collections.abc import Mapping

    from vmsdq.spec.models import EntitySpec, SqlSourceSpec


PG_NUMERIC = 1700  # type OID of PostgreSQL NUMERIC


class SqlSource:
    """Reads entities from one database. The URL's password never appears in messages."""

    def __init__(self, name: str, spec: SqlSourceSpec, *, root: Path, workspace: Workspace) -> None:
        self.name = name
        self.spec = spec
        self.root = Path(root)
        self.workspace = workspace
        self.db: DatabaseUrl = resolve_url(name, spec, root=self.root)

    def __repr__(self) -> str:
        return f"SqlSource({self.name!r}, {self.db.safe!r})"

    def relation(self, entity: EntitySpec) -> tuple[exp.Expr, str]:
        """The entity's FROM item (table or subquery) and how messages name it."""
        from vmsdq.sources.sql_query import entity_relation

        return entity_relation(self.name, entity, self.spec.schema_, self.db.dialect)

    def select(self, entity: EntitySpec) -> exp.Select:
        """The SELECT reading the entity's declared fields, renamed to the field names."""
        from vmsdq.sources.sql_query import build_select

        source, where = self.relation(entity)
        available, decimals = self.columns(entity, source, where)
        return build_select(
            entity, source, available, where=f"{where} in {self.db.safe}", as_double=decimals
        )

    def table_name(self, entity: EntitySpec) -> str | None:
        """The entity's table (schema-qualified) in this database; None for a query."""
        relation, _ = self.relation(entity)
        return relation.sql(dialect=self.db.dialect) if isinstance(relation, exp.Table) else None

    def tables(self, entities: Mapping[str, EntitySpec]) -> dict[str, str]:
        """Where each entity's rows are in this database: entity -> table, in the database's
        dialect (schema-qualified when the source has a schema). Entities read through a
        query are left out: their checks run from the rows.

        With ``db.url``, this is what the engine needs to run checks where the rows live.
        """
        return {
            name: table
            for name, spec in entities.items()
            if (table := self.table_name(spec)) is not None
        }

    def columns(
        self, entity: EntitySpec, source: exp.Expr, where: str
    ) -> tuple[list[str], set[str]]:
        """Column names the table or query really has (one zero-row query), and which of
        them are PostgreSQL NUMERIC (read as DOUBLE PRECISION: decoding NUMERIC to text is
        about a quarter of the client's CPU time)."""
        from sqlalchemy import create_engine

        from vmsdq.sources.sql_read import verbatim

        probe = exp.select(exp.Star()).from_(source).where(exp.false())
        engine = create_engine(self.db.sqlalchemy())
        try:
            with engine.connect() as conn:
                result = conn.execute(verbatim(probe.sql(dialect=self.db.dialect)))
                names = list(result.keys())
                description = result.cursor.description if result.cursor else None
                codes = [d[1] for d in description or []]
        except Exception as exc:  # driver errors differ per database
            raise self._error(entity, f"cannot read {where}", exc) from None
        finally:
            engine.dispose()
        if self.db.backend != "postgresql" or len(codes) != len(names):
            return names, set()
        return names, {n for n, code in zip(names, codes, strict=True) if code == PG_NUMERIC}

    def column_types(self, entity: EntitySpec) -> dict[str, FieldType]:
        """From the database's catalog (the entity's table); a query's columns are unknown."""
        from sqlalchemy import create_engine, inspect

        from vmsdq.sources.physical import sqlalchemy_type

        relation, where = self.relation(entity)
        if not isinstance(relation, exp.Table):
            return {}
        engine = create_engine(self.db.sqlalchemy())
        try:
            reflected = inspect(engine).get_columns(relation.name, schema=relation.db or None)
        except Exception as exc:  # driver errors differ per database
            raise self._error(entity, f"cannot describe {where}", exc) from None
        finally:
            engine.dispose()
        by_column = {str(c["name"]).lower(): sqlalchemy_type(c["type"]) for c in reflected}
        found = {
            name: by_column.get((spec.source_name or name).lower())
            for name, spec in entity.fields.items()
        }
        return {field: kind for field, kind in found.items() if kind is not None}

    def close(self) -> None:
        """Nothing to release: every read opens and disposes its own connection."""

    def read_mirror(self, entity: EntitySpec) -> Snapshot:
        """The entity's mirror kept in this database, under the other system's field names."""
        from vmsdq.reconcile import mirror_entity

        return self.read(mirror_entity(entity), view=ViewRef(entity.entity, ViewRole.mirror).name)

    def read(self, entity: EntitySpec, *, view: str | None = None) -> Snapshot:
        from vmsdq.sources.sql_read import open_reader, write_parquet

        started = time.perf_counter()
        query = self.select(entity).sql(dialect=self.db.dialect)
        target = self.workspace.scratch / f"{view or entity.entity}.parquet"
        try:
            with open_reader(self.db, query, batch_rows=self.spec.batch_rows, root=self.root) as r:
                rows = write_parquet(r, target, statistics=_watermark_column(entity, self.name))
        except (MissingColumnError, ConfigError):
            raise
        except Exception as exc:
            raise self._error(entity, "read failed", exc) from None
        _, where = self.relation(entity)
        return Snapshot(
            entity=entity.entity,
            location=f"{where} in {self.db.safe}",
            parquet=[str(target)],
            meta={
                "source": self.name,
                "type": "sql",
                "database": self.db.safe,
                "query": query,
                "rows": rows,
                "read_seconds": round(time.perf_counter() - started, 3),
                "read_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                "watermark": _watermark(entity, self.name, target),
                **self._delivered(entity),
            },
        )

    def _delivered(self, entity: EntitySpec) -> dict[str, Any]:
        """``{"delivered": [[column, type], ...]}`` from the catalog, for schema checks: the
        table's columns (all of them, not only those read) and SQLAlchemy's type names, as
        the pushdown backend sees them. None asked (no ``schema:``) or a query: nothing."""
        relation, where = self.relation(entity)
        if entity.schema_ is None or not isinstance(relation, exp.Table):
            return {}
        from sqlalchemy import create_engine, inspect

        engine = create_engine(self.db.sqlalchemy())
        try:
            with engine.connect() as conn:
                found = inspect(conn).get_columns(relation.name, schema=relation.db or None)
        except Exception as exc:  # driver errors differ per database
            raise self._error(entity, f"cannot read the columns of {where}", exc) from None
        finally:
            engine.dispose()
        return {"delivered": [[c["name"], type(c["type"]).__name__.lower()] for c in found]}

    def _error(self, entity: EntitySpec, what: str, exc: BaseException) -> SourceError:
        detail = self.db.scrub(
            str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        )
        message = (
            f"entity '{entity.entity}': {what} from source '{self.name}' ({self.db.safe}): {detail}"
        )
        return SourceUnavailableError(message) if _unreachable(exc) else SourceError(message)


def _unreachable(exc: BaseException) -> bool:
    """A driver error that retrying may cure: the server is down, busy or unreachable."""
    from sqlalchemy.exc import DBAPIError, OperationalError
    from sqlalchemy.exc import TimeoutError as PoolTimeout

    if isinstance(exc, PoolTimeout | ConnectionError | TimeoutError):
        return True
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    return isinstance(exc, OperationalError) and any(
        word in str(exc).lower()
        for word in ("connection refused", "could not connect", "timeout", "timed out",
                     "server closed", "can't connect", "lost connection", "too many connections")
    )  # fmt: skip


def _watermark_column(entity: EntitySpec, source: str) -> list[str]:
    declared = entity.sources.get(source)
    column = declared.updated_at if declared else None
    return [column] if column and column in entity.fields else []


def _watermark(entity: EntitySpec, source: str, parquet: Path) -> str | None:
    """Newest ``updated_at`` value read (from the Parquet statistics: no second scan)."""
    from vmsdq.core import sealed_files

    columns = _watermark_column(entity, source)
    if not columns:
        return None
    column = columns[0]
    meta = sealed_files.open_file(parquet).metadata  # the scratch copy: encrypted with a key
    index = meta.schema.names.index(column)
    newest = None
    for i in range(meta.num_row_groups):
        stats = meta.row_group(i).column(index).statistics
        if stats is not None and stats.has_min_max:
            newest = stats.max if newest is None else max(newest, stats.max)
    return None if newest is None else str(newest)
