"""SQLAlchemy models of the results database.

Every row carries ``tenant_id`` and ``project`` (the :class:`Scoped` columns); repositories
add both to every query in one place (``vmsdq.store.scope``), never by hand.
"""

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite stores them naive)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        aware = value if value.tzinfo else value.replace(tzinfo=UTC)
        return aware.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Scoped:
    """The columns that say whose a row is: a tenant's project."""

    tenant_id: Mapped[str] = mapped_column(String(64))
    project: Mapped[str] = mapped_column(String(200), default="")


class Run(Scoped, Base):
    __tablename__ = "runs"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    status: Mapped[str] = mapped_column(String(32))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    config_version: Mapped[int | None] = mapped_column(Integer)
    entity_count: Mapped[int] = mapped_column(Integer, default=0)
    rule_count: Mapped[int] = mapped_column(Integer, default=0)
    failed_rule_count: Mapped[int] = mapped_column(Integer, default=0)
    source_info: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    rescored_from: Mapped[str | None] = mapped_column(String(64))
    message: Mapped[str] = mapped_column(Text, default="")  # why it failed or was cancelled
    plan: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # what start decided
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # last progress

    __table_args__ = (
        Index("ix_runs_tenant_started", "tenant_id", "started_at"),
        Index("ix_runs_scope_started", "tenant_id", "project", "started_at", "id"),
        Index(
            "ix_runs_scope_status_started",
            "tenant_id",
            "project",
            "status",
            "started_at",
            "updated_at",
        ),
    )


class RunStep(Scoped, Base):
    """One phase of a run: reading a view or validating an entity, with its progress."""

    __tablename__ = "run_steps"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[str] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))  # read | validate
    name: Mapped[str] = mapped_column(String(400))  # view name (read) or entity (validate)
    position: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(32))  # queued | running | completed | failed...
    rows: Mapped[int] = mapped_column(Integer, default=0)
    rules_total: Mapped[int] = mapped_column(Integer, default=0)
    rules_done: Mapped[int] = mapped_column(Integer, default=0)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    message: Mapped[str] = mapped_column(Text, default="")
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    __table_args__ = (
        UniqueConstraint("run_id", "kind", "name", name="uq_run_steps_run_kind_name"),
    )


class EntityResultRow(Scoped, Base):
    __tablename__ = "entity_results"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[str] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    entity: Mapped[str] = mapped_column(String(200))
    rows: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(32))
    message: Mapped[str] = mapped_column(Text, default="")
    location: Mapped[str] = mapped_column(Text, default="")
    failures_path: Mapped[str | None] = mapped_column(Text)
    rejected: Mapped[int] = mapped_column(Integer, default=0)
    seconds: Mapped[float] = mapped_column(Float, default=0.0)

    __table_args__ = (
        UniqueConstraint("run_id", "entity", name="uq_entity_results_run_entity"),
        Index("ix_entity_results_tenant_entity", "tenant_id", "entity"),
    )


class RuleResultRow(Scoped, Base):
    __tablename__ = "rule_results"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[str] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    entity_index: Mapped[int] = mapped_column(Integer)  # position of its EntityResult
    entity: Mapped[str] = mapped_column(String(200))
    rule: Mapped[str] = mapped_column(String(400))
    kind: Mapped[str] = mapped_column(String(64))
    dimension: Mapped[str] = mapped_column(String(32))
    severity: Mapped[str] = mapped_column(String(32))
    weight: Mapped[float] = mapped_column(Float)
    evaluated: Mapped[int] = mapped_column(Integer)
    failed: Mapped[int] = mapped_column(Integer)
    pass_rate: Mapped[float | None] = mapped_column(Float)
    outcome: Mapped[str] = mapped_column(String(32))
    message: Mapped[str] = mapped_column(Text, default="")
    observed: Mapped[float | None] = mapped_column(Float)

    __table_args__ = (
        Index("ix_rule_results_run", "run_id"),
        Index("ix_rule_results_tenant_entity_rule", "tenant_id", "entity", "rule"),
        Index("ix_rule_results_tenant_rule", "tenant_id", "rule"),
        Index("ix_rule_results_run_outcome", "run_id", "outcome"),
        Index("ix_rule_results_run_entity", "run_id", "entity", "failed", "evaluated"),
    )


class ScoreRowModel(Scoped, Base):
    __tablename__ = "scores"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[str] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    level: Mapped[str] = mapped_column(String(16))  # rule | dimension | entity | overall
    entity: Mapped[str | None] = mapped_column(String(200))
    dimension: Mapped[str | None] = mapped_column(String(32))
    rule: Mapped[str | None] = mapped_column(String(400))
    score: Mapped[float | None] = mapped_column(Float)
    weight: Mapped[float] = mapped_column(Float, default=1.0)
    band: Mapped[str | None] = mapped_column(String(32))
    config_version: Mapped[int | None] = mapped_column(Integer)
    label: Mapped[str] = mapped_column(String(200), default="")

    __table_args__ = (
        Index("ix_scores_run", "run_id"),
        Index("ix_scores_run_level", "run_id", "level", "entity", "label"),
    )
