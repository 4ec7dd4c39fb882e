"""The results database: runs, rule metrics and scores, always scoped to one tenant."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import asdict
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import URL, Engine, create_engine, delete, event, insert, make_url, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from vmsdq.core.errors import TerminalError, TransientError
from vmsdq.core.results import RunResult
from vmsdq.store import records
from vmsdq.store.migrate import upgrade
from vmsdq.store.models import EntityResultRow, RuleResultRow, Run, ScoreRowModel
from vmsdq.store.records import RuleHistoryRow, ScoreRow

ENV_URL = "VMSDQ_DATABASE_URL"
_upgraded: set[str] = set()  # URLs migrated by this process (skip the check on re-open)


class StoreUnavailableError(TransientError):
    """The results database cannot be reached or migrated (the message hides the password)."""


class StoreConflictError(TerminalError):
    """A write that would touch another tenant's data."""


def resolve_url(url: str | None, root: Path) -> URL:
    """``url`` → ``$VMSDQ_DATABASE_URL`` → ``sqlite:///<root>/.vmsdq/results.db``.

    A relative SQLite path is taken relative to the project root.
    """
    chosen = url or os.environ.get(ENV_URL) or None
    if chosen is None:
        return make_url(f"sqlite:///{Path(root) / '.vmsdq' / 'results.db'}")
    parsed = make_url(chosen)
    db = parsed.database or ""
    relative = bool(db) and not Path(db).is_absolute() and db != ":memory:"
    if parsed.get_backend_name() == "sqlite" and relative and not db.startswith("file:"):
        parsed = parsed.set(database=str(Path(root) / db))
    return parsed


def safe_url(url: URL) -> str:
    return url.render_as_string(hide_password=True)


class ResultsStore:
    """Runs, rule results and scores of one tenant. Open with :meth:`open`."""

    def __init__(self, engine: Engine, tenant: str) -> None:
        self.engine = engine
        self.tenant = tenant

    @classmethod
    def open(cls, url: str | None, *, tenant: str, root: Path) -> ResultsStore:
        """Connect (SQLite file by default) and upgrade the schema to the newest migration."""
        parsed = resolve_url(url, Path(root))
        if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
            Path(str(parsed.database)).parent.mkdir(parents=True, exist_ok=True)
        engine = _engine(parsed)
        key = parsed.render_as_string(hide_password=False)
        if key not in _upgraded or parsed.database in (None, "", ":memory:"):
            try:
                upgrade(engine)
            except SQLAlchemyError as exc:
                engine.dispose()
                raise StoreUnavailableError(
                    f"results database {safe_url(parsed)} cannot be opened: {_first_line(exc)}"
                ) from None
            _upgraded.add(key)
        return cls(engine, tenant)

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> ResultsStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session in one transaction: committed on success, rolled back on error."""
        with Session(self.engine, expire_on_commit=False) as session, session.begin():
            yield session

    def save_run(
        self,
        run: RunResult,
        *,
        project: str | None = None,
        source_info: Mapping[str, Any] | None = None,
        rescored_from: str | None = None,
    ) -> None:
        """Insert or replace a run with its entity and rule results (never duplicates)."""
        if run.tenant and run.tenant != self.tenant:
            raise StoreConflictError(
                f"run '{run.run_id}' belongs to tenant '{run.tenant}', not '{self.tenant}'"
            )
        with self.session() as s:
            row = s.get(Run, run.run_id)
            if row is not None and row.tenant_id != self.tenant:
                raise StoreConflictError(f"run id '{run.run_id}' is taken by another tenant")
            if row is None:
                row = Run(id=run.run_id, project="", source_info={})
                s.add(row)
            for name, value in records.run_values(run, self.tenant).items():
                setattr(row, name, value)
            row.project = project if project is not None else row.project
            row.source_info = dict(source_info) if source_info is not None else _sources(run)
            row.rescored_from = rescored_from if rescored_from is not None else row.rescored_from
            s.flush()
            for model in (RuleResultRow, EntityResultRow):
                s.execute(delete(model).where(model.run_id == run.run_id))
            _insert(s, EntityResultRow, records.entity_values(run, self.tenant))
            _insert(s, RuleResultRow, records.rule_values(run, self.tenant))

    def get_run(self, run_id: str) -> RunResult | None:
        """The run with all its entity and rule results, or ``None`` (also for other tenants)."""
        found = self._load(select(Run).where(Run.id == run_id))
        return found[0] if found else None

    def list_runs(self, limit: int = 20) -> list[RunResult]:
        """The newest runs first, each with its results."""
        query = select(Run).order_by(Run.started_at.desc(), Run.id.desc()).limit(limit)
        return self._load(query)

    def run_info(self, run_id: str) -> dict[str, Any] | None:
        """Columns of the run row not in ``RunResult`` (project, counts, sources, rescored_from)."""
        with self.session() as s:
            row = s.scalars(self._mine(select(Run).where(Run.id == run_id), Run)).first()
            if row is None:
                return None
            names = ("project", "entity_count", "rule_count", "failed_rule_count")
            info = {name: getattr(row, name) for name in names}
            return info | {"source_info": row.source_info, "rescored_from": row.rescored_from}

    def save_scores(self, run_id: str, rows: Iterable[ScoreRow | Mapping[str, Any]]) -> None:
        """Replace the scores of a run (idempotent). Rows are ``ScoreRow`` or mappings."""
        values = [
            {"tenant_id": self.tenant, "run_id": run_id, "position": i, **asdict(row)}
            for i, row in enumerate(ScoreRow.coerce(r) for r in rows)
        ]
        with self.session() as s:
            self._require_run(s, run_id)
            s.execute(delete(ScoreRowModel).where(ScoreRowModel.run_id == run_id))
            _insert(s, ScoreRowModel, values)

    def scores(self, run_id: str) -> list[ScoreRow]:
        """The stored scores of a run in the order they were saved."""
        query = select(ScoreRowModel).where(ScoreRowModel.run_id == run_id)
        with self.session() as s:
            found = s.scalars(self._mine(query, ScoreRowModel).order_by(ScoreRowModel.position))
            return [_score(row) for row in found]

    def rule_history(
        self,
        entity: str | None = None,
        rule: str | None = None,
        since: datetime | None = None,
        limit: int | None = None,
    ) -> list[RuleHistoryRow]:
        """Rule metrics over runs, oldest first; filter by entity, rule and start time."""
        query = self._mine(select(RuleResultRow, Run).join(Run), RuleResultRow)
        if entity is not None:
            query = query.where(RuleResultRow.entity == entity)
        if rule is not None:
            query = query.where(RuleResultRow.rule == rule)
        if since is not None:
            query = query.where(Run.started_at >= since)
        query = query.order_by(Run.started_at, Run.id, RuleResultRow.position)
        if limit is not None:
            query = query.limit(limit)
        with self.session() as s:
            return [_history(r, run) for r, run in s.execute(query)]

    def _mine(self, query: Any, model: Any) -> Any:
        return query.where(model.tenant_id == self.tenant)

    def _require_run(self, s: Session, run_id: str) -> None:
        if s.scalars(self._mine(select(Run.id).where(Run.id == run_id), Run)).first() is None:
            raise StoreConflictError(f"run '{run_id}' is not stored for tenant '{self.tenant}'")

    def _load(self, query: Any) -> list[RunResult]:
        with self.session() as s:
            runs = list(s.scalars(self._mine(query, Run)))
            ids = [r.id for r in runs]
            if not ids:
                return []
            entities = s.scalars(select(EntityResultRow).where(EntityResultRow.run_id.in_(ids)))
            rules = s.scalars(select(RuleResultRow).where(RuleResultRow.run_id.in_(ids)))
            by_run: dict[str, tuple[list[EntityResultRow], list[RuleResultRow]]] = {
                i: ([], []) for i in ids
            }
            for e in entities:
                by_run[e.run_id][0].append(e)
            for r in rules:
                by_run[r.run_id][1].append(r)
            return [records.to_run(run, *by_run[run.id]) for run in runs]


def _engine(url: URL) -> Engine:
    engine = create_engine(url, pool_pre_ping=url.get_backend_name() != "sqlite")
    if url.get_backend_name() == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cursor = dbapi_conn.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _insert(s: Session, model: Any, values: list[dict[str, Any]]) -> None:
    if values:
        s.execute(insert(model), values)


def _sources(run: RunResult) -> dict[str, Any]:
    return {
        "entities": {
            e.entity: {"location": e.location, "rows": e.rows, "rejected": e.rejected}
            for e in run.entities
        }
    }


def _score(row: ScoreRowModel) -> ScoreRow:
    return ScoreRow(
        level=row.level,
        score=row.score,
        weight=row.weight,
        entity=row.entity,
        dimension=row.dimension,
        rule=row.rule,
        band=row.band,
        config_version=row.config_version,
        label=row.label,
    )


def _history(r: RuleResultRow, run: Run) -> RuleHistoryRow:
    rule = records.to_rule(r)
    return RuleHistoryRow(
        run_id=run.id,
        started_at=run.started_at,
        run_status=run.status,
        config_version=run.config_version,
        entity=r.entity,
        rule=r.rule,
        kind=r.kind,
        dimension=rule.dimension,
        severity=rule.severity,
        weight=r.weight,
        evaluated=r.evaluated,
        failed=r.failed,
        pass_rate=r.pass_rate,
        outcome=rule.outcome,
        observed=r.observed,
    )


def _first_line(exc: SQLAlchemyError) -> str:
    orig = getattr(exc, "orig", None)
    text = f"{type(orig).__name__}: {orig}" if orig is not None else str(exc)
    return text.strip().splitlines()[0] if text.strip() else type(exc).__name__
