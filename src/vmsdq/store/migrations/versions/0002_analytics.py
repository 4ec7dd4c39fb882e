"""Scoring config versions and anomalies.

Revision ID: 0002_analytics
Revises: 0001_initial
Create Date: 2026-11-26
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002_analytics"
down_revision: str | None = "0001_initial"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "config_versions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("settings", sa.JSON(), nullable=False),
        sa.Column("yaml_digest", sa.String(64), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_config_versions"),
        sa.UniqueConstraint("tenant_id", "version", name="uq_config_versions_tenant_version"),
    )
    op.create_table(
        "anomalies",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column(
            "run_id",
            sa.String(64),
            sa.ForeignKey("runs.id", name="fk_anomalies_run_id_runs", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("at", TZ, nullable=False),
        sa.Column("metric", sa.String(32), nullable=False),
        sa.Column("entity", sa.String(200), nullable=True),
        sa.Column("dimension", sa.String(32), nullable=True),
        sa.Column("rule", sa.String(400), nullable=True),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("expected", sa.Float(), nullable=False),
        sa.Column("z", sa.Float(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("sensitivity", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_anomalies"),
    )
    op.create_index("ix_anomalies_tenant_at", "anomalies", ["tenant_id", "at"])
    op.create_index("ix_anomalies_run", "anomalies", ["run_id"])


def downgrade() -> None:
    op.drop_table("anomalies")
    op.drop_table("config_versions")
