"""Runs in phases (steps with progress, a plan, a message) and the project on every row.

Revision ID: 0003_phases
Revises: 0002_analytics
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_phases"
down_revision: str | None = "0002_analytics"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TZ = sa.DateTime(timezone=True)
RUN_TABLES = ("entity_results", "rule_results", "scores", "anomalies")


def upgrade() -> None:
    with op.batch_alter_table("runs") as batch:
        batch.add_column(sa.Column("message", sa.Text(), nullable=False, server_default=""))
        batch.add_column(sa.Column("plan", sa.JSON(), nullable=False, server_default="{}"))
        batch.add_column(sa.Column("updated_at", TZ, nullable=True))
    op.create_index("ix_runs_scope_started", "runs", ["tenant_id", "project", "started_at", "id"])
    for table in (*RUN_TABLES, "config_versions"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(
                sa.Column("project", sa.String(200), nullable=False, server_default="")
            )
    for table in RUN_TABLES:  # a result row belongs to its run's project
        op.execute(
            f"UPDATE {table} SET project = "
            f"(SELECT runs.project FROM runs WHERE runs.id = {table}.run_id)"
        )
    # Versions were per tenant: give them to the tenant's project when it has only one.
    op.execute(
        "UPDATE config_versions SET project = (SELECT MIN(r.project) FROM runs r "
        "WHERE r.tenant_id = config_versions.tenant_id) WHERE (SELECT COUNT(DISTINCT r.project) "
        "FROM runs r WHERE r.tenant_id = config_versions.tenant_id) = 1"
    )
    with op.batch_alter_table("config_versions") as batch:
        batch.drop_constraint("uq_config_versions_tenant_version", type_="unique")
        batch.create_unique_constraint(
            "uq_config_versions_scope_version", ["tenant_id", "project", "version"]
        )
    op.create_index("ix_rule_results_run_outcome", "rule_results", ["run_id", "outcome"])
    op.create_table(
        "run_steps",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("project", sa.String(200), nullable=False),
        sa.Column(
            "run_id",
            sa.String(64),
            sa.ForeignKey("runs.id", name="fk_run_steps_run_id_runs", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("name", sa.String(400), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("rules_total", sa.Integer(), nullable=False),
        sa.Column("rules_done", sa.Integer(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("started_at", TZ, nullable=True),
        sa.Column("finished_at", TZ, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_run_steps"),
        sa.UniqueConstraint("run_id", "kind", "name", name="uq_run_steps_run_kind_name"),
    )


def downgrade() -> None:
    op.drop_table("run_steps")
    op.drop_index("ix_rule_results_run_outcome", "rule_results")
    with op.batch_alter_table("config_versions") as batch:
        batch.drop_constraint("uq_config_versions_scope_version", type_="unique")
        batch.create_unique_constraint(
            "uq_config_versions_tenant_version", ["tenant_id", "version"]
        )
    for table in (*RUN_TABLES, "config_versions"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("project")
    op.drop_index("ix_runs_scope_started", "runs")
    with op.batch_alter_table("runs") as batch:
        batch.drop_column("updated_at")
        batch.drop_column("plan")
        batch.drop_column("message")
