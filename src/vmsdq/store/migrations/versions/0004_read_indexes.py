"""Indexes the dashboard and API reads need (measured on a 90-day store, bench/web.py).

History series joined each run to every score row of the level (the index had no run id):
scores and rule results get one led by the run (it replaces the score index by tenant and
level, which every score query, all run-scoped or joined to runs, now bypasses); ``_latest``
and the cache version read runs by status (the version counts statuses and takes the newest
update from the index alone).

Revision ID: 0004_read_indexes
Revises: 0003_phases
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0004_read_indexes"
down_revision: str | None = "0003_phases"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES = (
    ("ix_scores_run_level", "scores", ["run_id", "level", "entity", "label"]),
    ("ix_rule_results_run_entity", "rule_results", ["run_id", "entity", "failed", "evaluated"]),
    (
        "ix_runs_scope_status_started",
        "runs",
        ["tenant_id", "project", "status", "started_at", "updated_at"],
    ),
)


REPLACED = ("ix_scores_tenant_level_entity", "scores", ["tenant_id", "level", "entity"])


def upgrade() -> None:
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns)
    op.drop_index(REPLACED[0], table_name=REPLACED[1])


def downgrade() -> None:
    op.create_index(*REPLACED)
    for name, table, _ in INDEXES:
        op.drop_index(name, table_name=table)
