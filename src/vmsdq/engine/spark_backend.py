"""The Spark SQL backend: compiled checks run on a Spark cluster (or pyspark in local mode).

The checks' SQLGlot trees (written for DuckDB) are rewritten by ``sql_dialect`` as the
``SPARK`` capabilities say and written in Spark SQL. Views are snapshots (Parquet files,
as the run's archive holds them), registered as temporary views of the session. As with a
SQL database, only aggregates and flagged rows come back to this process: one row of counts
and one row of table metrics per entity, and the key (with the offending values) of each
failing row, which go through the one failure writer.
"""

from __future__ import annotations

import shutil
import tempfile
import time
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.parquet as pq
from sqlglot import exp

from vmsdq.checks.exact import plain_cast
from vmsdq.checks.model import Check, CompiledEntity
from vmsdq.core import sealed_files
from vmsdq.core.errors import SourceError, VmsdqError
from vmsdq.core.results import EntityResult
from vmsdq.core.snapshots import Snapshot
from vmsdq.engine.backend import Capabilities, Progress
from vmsdq.engine.databases import COMMON_FUNCTIONS
from vmsdq.engine.failures import failure_file, write_flagged
from vmsdq.engine.spark_regex import java_differs
from vmsdq.engine.spark_session import spark_session
from vmsdq.engine.sql_backend import (
    BATCH_ROWS,
    arrow_array,
    count_pair,
    missing_column,
    refused,
    rule_result,
    views_read,
)
from vmsdq.engine.sql_dialect import is_blank_test
from vmsdq.engine.sql_queries import Database, row_queries, table_sql
from vmsdq.engine.tables import table_outcomes

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

    from vmsdq.spec.models import EngineSpec

# Java regular expressions are not RE2 ('$' matches before a final newline, '.' never
# matches '\r', [[:alpha:]] is no class): a full match is written (?d)\A(?:p)\z and goes
# down only when its pattern is in the subset where both agree (``spark_regex``); other
# patterns stay in DuckDB (``SparkBackend.refusals``). Spark's TRY_CAST of text differs
# from DuckDB's ('2024' is a date, '1_000' and '12.5' are no BIGINT, ' true' is a
# boolean): casts are CASTs where the column type casts exactly (text only to text).
# UNIX_TIMESTAMP drops fractions: epochs are TIMESTAMPDIFF(MICROSECOND, ...) / 1e6. SQLGlot
# writes date_diff as Spark's DATEDIFF (days only) and Spark's concat gives NULL on a NULL
# argument: neither is listed.
SPARK = Capabilities(
    dialect="spark",
    functions=COMMON_FUNCTIONS | {"Replace"},
    supports_try_cast=False,
    supports_epoch=False,
    supports_schema_checks=False,  # DuckDB reads the columns of the archived snapshot
    full_match="(?d)\\A(?:{})\\z",
)

# Spark type names (DataType.typeName()) as ``sql_dialect.SAFE_CASTS`` names them.
SAFE_CAST_NAMES = {
    "long": "bigint",
    "short": "smallint",
    "byte": "tinyint",
    "timestamp_ntz": "timestamp",
}
ARROW_TYPES = {
    "string": pa.string(),
    "long": pa.int64(),
    "integer": pa.int32(),
    "short": pa.int16(),
    "byte": pa.int8(),
    "double": pa.float64(),
    "float": pa.float32(),
    "boolean": pa.bool_(),
    "date": pa.date32(),
    "timestamp_ntz": pa.timestamp("us"),
}


class SparkBackend:
    """Runs row and table checks in a Spark session over snapshots.

    Views are snapshots by view name (as for DuckDB); each one a check reads is registered
    once as a temporary view of the session and dropped by ``close``.
    """

    capabilities: Capabilities = SPARK

    def __init__(self, session: SparkSession, *, batch_rows: int = BATCH_ROWS) -> None:
        self.session = session
        self.batch_rows = batch_rows
        self._token = uuid.uuid4().hex[:10]
        self._views: dict[str, tuple[str, dict[str, str]]] = {}  # view -> temp view, columns
        self._scratch: Path | None = None  # Parquet copies (in-memory or encrypted)

    @classmethod
    def from_spec(cls, spec: EngineSpec) -> SparkBackend:
        """A backend on the process's session for the project's ``engine:`` settings."""
        return cls(spark_session(spec.master, spec.conf))

    def __repr__(self) -> str:
        return f"SparkBackend({self.session.sparkContext.master!r})"

    def __enter__(self) -> SparkBackend:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Drop the temporary views (and Parquet copies) this backend registered."""
        for temp, _ in self._views.values():
            try:
                self.session.catalog.dropTempView(temp)
            except Exception:  # noqa: BLE001 (a lost session took its views with it)
                break
        self._views.clear()
        if self._scratch is not None:
            shutil.rmtree(self._scratch, ignore_errors=True)
            self._scratch = None

    def refusals(
        self, entity: CompiledEntity, snapshots: Mapping[str, Snapshot], /
    ) -> dict[str, str]:
        """Checks these snapshots cannot run: a missing column, an unsafe cast, unwritable
        SQL, a regular expression Java may match differently."""
        regex = {c.name: why for c in entity.checks if (why := regex_refusal(c)) is not None}
        return {**self._refusals(entity, snapshots), **regex}

    def _refusals(
        self, entity: CompiledEntity, snapshots: Mapping[str, Snapshot]
    ) -> dict[str, str]:
        with self._errors(entity.name):
            db = self._database(entity, snapshots)
        missing = missing_column(entity, db.columns[entity.name])
        return refused(entity, db, missing, snapshots[entity.name].location)

    def validate(
        self,
        entities: Sequence[CompiledEntity],
        snapshots: Mapping[str, Snapshot],
        /,
        *,
        failures_dir: Path,
        now: datetime,
        progress: Progress | None = None,
    ) -> list[EntityResult]:
        """Run every check of each entity in Spark; raises ``SourceError`` on failure.

        Give it only checks the planner let through (``vmsdq.engine.planner.push``).
        Quarantined records of a snapshot are not counted here: DuckDB reports them.
        """
        notify = progress or (lambda _entity, _stage: None)
        return [self._validate(e, snapshots, Path(failures_dir), now, notify) for e in entities]

    def _validate(
        self,
        entity: CompiledEntity,
        snapshots: Mapping[str, Snapshot],
        failures_dir: Path,
        now: datetime,
        notify: Progress,
    ) -> EntityResult:
        started = time.perf_counter()
        location = snapshots[entity.name].location
        result = EntityResult(entity=entity.name, rows=0, location=location)
        rows = [c for c in entity.checks if c.scope == "row"]
        table_checks = [c for c in entity.checks if c.scope == "table"]
        path = failure_file(failures_dir, entity.name)
        with self._errors(entity.name):
            db = self._database(entity, snapshots)
            notify(entity.name, "row checks")
            queries = row_queries(entity, rows, db)
            sql = queries.counts  # one Spark job for the counts and the table metrics
            if table_checks:
                metrics_sql = table_sql(entity, table_checks, now, db)
                sql = f"SELECT * FROM ({sql}) AS c CROSS JOIN ({metrics_sql}) AS t"
            both = tuple(self.session.sql(sql).collect()[0])
            counts, metrics = both[: 1 + 2 * len(rows)], both[1 + 2 * len(rows) :]
            result.rows = int(counts[0])
            found = {c.name: count_pair(counts, i) for i, c in enumerate(rows)}
            notify(entity.name, "table checks")
            outcomes = table_outcomes(table_checks, metrics) if table_checks else {}
            notify(entity.name, "failures")
            failing = [i for i, c in enumerate(rows) if found[c.name][1]]
            batches = self._flagged(queries.flagged) if failing else iter(())
            write_flagged(path, queries.plan, failing, batches, entity.name)
        result.rules = [rule_result(c, found, outcomes) for c in entity.checks]
        result.failures_path = str(path)
        result.seconds = time.perf_counter() - started
        return result

    @contextmanager
    def _errors(self, entity: str) -> Iterator[None]:
        """Spark's errors (analysis, execution, a lost gateway) become a ``SourceError``."""
        try:
            yield
        except VmsdqError:
            raise
        except Exception as exc:  # pyspark and py4j raise many types
            text = str(exc).strip()
            detail = text.splitlines()[0] if text else type(exc).__name__
            raise SourceError(f"entity '{entity}': Spark failed: {detail}") from None

    def _database(self, entity: CompiledEntity, snapshots: Mapping[str, Snapshot]) -> Database:
        """The views the entity's checks read, registered, with their columns and types."""
        tables: dict[str, str] = {}
        columns: dict[str, dict[str, str]] = {}
        for view in views_read(entity, snapshots):
            if view not in self._views:
                frame = self._read(view, snapshots[view])
                temp = f"vmsdq_{self._token}_{len(self._views)}"
                frame.createOrReplaceTempView(temp)
                self._views[view] = (temp, _column_types(frame))
            tables[view], columns[view] = self._views[view]
        return Database(self.capabilities, tables, columns)

    def _read(self, view: str, snapshot: Snapshot) -> DataFrame:
        """The snapshot's rows as a DataFrame: its Parquet files, else a Parquet copy.

        Spark cannot open files encrypted at rest with our keys: those are decrypted into
        the backend's private temporary folder (owner-only), removed when it closes.
        """
        paths = [str(p) for p in snapshot.parquet]
        if not paths:
            if snapshot.table is None:
                raise SourceError(f"entity '{view}': the snapshot holds no data")
            copy = self._scratch_dir() / f"{len(self._views)}.parquet"
            table = snapshot.table
            pq.write_table(table if isinstance(table, pa.Table) else table.read_all(), copy)
            paths = [str(copy)]
        elif any(sealed_files.is_encrypted(p) for p in paths):
            plain = []
            for i, path in enumerate(paths):
                copy = self._scratch_dir() / f"{len(self._views)}.{i}.parquet"
                pq.write_table(sealed_files.read_table(path), copy)
                plain.append(str(copy))
            paths = plain
        reader = self.session.read
        if len(paths) > 1:  # columns by name across files, as DuckDB's union_by_name
            reader = reader.option("mergeSchema", "true")
        return reader.parquet(*paths)

    def _scratch_dir(self) -> Path:
        if self._scratch is None:
            self._scratch = Path(tempfile.mkdtemp(prefix="vmsdq-spark-"))  # mode 0700
        return self._scratch

    def _flagged(self, sql: str) -> Iterator[pa.RecordBatch]:
        """The flagged rows, one Arrow batch per ``batch_rows`` (bounded memory here)."""
        frame = self.session.sql(sql)
        fields = frame.schema.fields
        names = [f.name for f in fields]
        types = [ARROW_TYPES.get(f.dataType.typeName()) for f in fields]
        part: list[Any] = []
        for row in frame.toLocalIterator():
            part.append(tuple(row))
            if len(part) >= self.batch_rows:
                yield _batch(part, names, types)
                part = []
        if part:
            yield _batch(part, names, types)


def regex_refusal(check: Check) -> str | None:
    """Why Spark could match a regular expression of ``check`` unlike DuckDB, or None."""
    nodes = [check.fails, *(value for _, value in check.values)]
    nodes += [e for e in (check.applies, check.metric) if e is not None]
    nodes += [part for r in check.relations for part in (r.query, r.on)]
    for node in nodes:
        for found in node.find_all(exp.RegexpFullMatch, exp.RegexpLike):
            if is_blank_test(found) or _in_exact_cast(found):
                continue
            if isinstance(found, exp.RegexpLike):
                return "a partial regular expression match may differ in Java"
            pattern = found.expression
            if not (isinstance(pattern, exp.Literal) and pattern.is_string):
                return "a regular expression that is no literal"
            why = java_differs(pattern.name)
            if why is not None:
                return f"Java regular expressions differ from RE2 on {why}"
    return None


def _in_exact_cast(node: exp.Expr) -> bool:
    """Inside an exact cast's guard, which the rewrite turns into a plain CAST for Spark."""
    parent = node.parent
    while parent is not None:
        if isinstance(parent, exp.Case) and plain_cast(parent) is not None:
            return True
        parent = parent.parent
    return False


def _column_types(frame: DataFrame) -> dict[str, str]:
    """Column -> type name as ``sql_dialect.SAFE_CASTS`` reads it."""
    found = {}
    for field in frame.schema.fields:
        name = field.dataType.typeName()
        found[field.name] = SAFE_CAST_NAMES.get(name, name)
    return found


def _batch(rows: list[Any], names: list[str], types: list[pa.DataType | None]) -> pa.RecordBatch:
    arrays = []
    for values, kind in zip(zip(*rows, strict=True), types, strict=True):
        arrays.append(arrow_array(list(values)) if kind is None else pa.array(values, kind))
    return pa.RecordBatch.from_arrays(arrays, names=names)
