"""Analytics tables of the results database: scoring config versions and anomalies."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from vmsdq.store.models import Base, Scoped, UTCDateTime


class ConfigVersionRow(Scoped, Base):
    """One numbered version of the scoring settings (weights, thresholds, bands, sensitivity)."""

    __tablename__ = "config_versions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    version: Mapped[int] = mapped_column(Integer)
    settings: Mapped[dict[str, Any]] = mapped_column(JSON)
    yaml_digest: Mapped[str] = mapped_column(String(64))
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    __table_args__ = (
        UniqueConstraint(
            "tenant_id", "project", "version", name="uq_config_versions_scope_version"
        ),
    )


class AnomalyRow(Scoped, Base):
    """A point of a history series flagged as anomalous, attached to the run it came from."""

    __tablename__ = "anomalies"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[str] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    metric: Mapped[str] = mapped_column(String(32))  # see vmsdq.analytics.series.METRICS
    entity: Mapped[str | None] = mapped_column(String(200))
    dimension: Mapped[str | None] = mapped_column(String(32))
    rule: Mapped[str | None] = mapped_column(String(400))
    value: Mapped[float] = mapped_column(Float)
    expected: Mapped[float] = mapped_column(Float)
    z: Mapped[float] = mapped_column(Float)
    kind: Mapped[str] = mapped_column(String(16))  # spike | level_shift
    sensitivity: Mapped[float] = mapped_column(Float)

    __table_args__ = (
        Index("ix_anomalies_tenant_at", "tenant_id", "at"),
        Index("ix_anomalies_run", "run_id"),
    )
