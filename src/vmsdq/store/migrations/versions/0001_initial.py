"""Runs, entity results, rule results and scores.

Revision ID: 0001_initial
Revises:
Create Date: 2026-11-26
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001_initial"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TZ = sa.DateTime(timezone=True)


def _run_fk(table: str) -> sa.Column[str]:
    return sa.Column(
        "run_id",
        sa.String(64),
        sa.ForeignKey("runs.id", name=f"fk_{table}_run_id_runs", ondelete="CASCADE"),
        nullable=False,
    )


def upgrade() -> None:
    op.create_table(
        "runs",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("project", sa.String(200), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("started_at", TZ, nullable=False),
        sa.Column("finished_at", TZ, nullable=True),
        sa.Column("config_version", sa.Integer(), nullable=True),
        sa.Column("entity_count", sa.Integer(), nullable=False),
        sa.Column("rule_count", sa.Integer(), nullable=False),
        sa.Column("failed_rule_count", sa.Integer(), nullable=False),
        sa.Column("source_info", sa.JSON(), nullable=False),
        sa.Column("rescored_from", sa.String(64), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_runs"),
    )
    op.create_index("ix_runs_tenant_started", "runs", ["tenant_id", "started_at"])
    op.create_table(
        "entity_results",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("tenant_id", sa.String(64), nullable=False),
        _run_fk("entity_results"),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("entity", sa.String(200), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("location", sa.Text(), nullable=False),
        sa.Column("failures_path", sa.Text(), nullable=True),
        sa.Column("rejected", sa.Integer(), nullable=False),
        sa.Column("seconds", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_entity_results"),
        sa.UniqueConstraint("run_id", "entity", name="uq_entity_results_run_entity"),
    )
    op.create_index("ix_entity_results_tenant_entity", "entity_results", ["tenant_id", "entity"])
    op.create_table(
        "rule_results",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("tenant_id", sa.String(64), nullable=False),
        _run_fk("rule_results"),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("entity_index", sa.Integer(), nullable=False),
        sa.Column("entity", sa.String(200), nullable=False),
        sa.Column("rule", sa.String(400), nullable=False),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("dimension", sa.String(32), nullable=False),
        sa.Column("severity", sa.String(32), nullable=False),
        sa.Column("weight", sa.Float(), nullable=False),
        sa.Column("evaluated", sa.Integer(), nullable=False),
        sa.Column("failed", sa.Integer(), nullable=False),
        sa.Column("pass_rate", sa.Float(), nullable=True),
        sa.Column("outcome", sa.String(32), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("observed", sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_rule_results"),
    )
    op.create_index("ix_rule_results_run", "rule_results", ["run_id"])
    op.create_index(
        "ix_rule_results_tenant_entity_rule", "rule_results", ["tenant_id", "entity", "rule"]
    )
    op.create_index("ix_rule_results_tenant_rule", "rule_results", ["tenant_id", "rule"])
    op.create_table(
        "scores",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("tenant_id", sa.String(64), nullable=False),
        _run_fk("scores"),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("level", sa.String(16), nullable=False),
        sa.Column("entity", sa.String(200), nullable=True),
        sa.Column("dimension", sa.String(32), nullable=True),
        sa.Column("rule", sa.String(400), nullable=True),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("weight", sa.Float(), nullable=False),
        sa.Column("band", sa.String(32), nullable=True),
        sa.Column("config_version", sa.Integer(), nullable=True),
        sa.Column("label", sa.String(200), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_scores"),
    )
    op.create_index("ix_scores_run", "scores", ["run_id"])
    op.create_index("ix_scores_tenant_level_entity", "scores", ["tenant_id", "level", "entity"])


def downgrade() -> None:
    for table in ("scores", "rule_results", "entity_results", "runs"):
        op.drop_table(table)
