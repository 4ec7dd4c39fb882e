"""Webhook signing secrets sealed at rest: room for the sealed form (up to 255 characters).

Revision ID: 0007_sealed_webhook_secrets
Revises: 0006_security
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007_sealed_webhook_secrets"
down_revision: str | None = "0006_security"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("webhook_subscriptions") as batch:
        batch.alter_column(
            "secret", existing_type=sa.String(128), type_=sa.String(255), existing_nullable=False
        )


def downgrade() -> None:
    with op.batch_alter_table("webhook_subscriptions") as batch:
        batch.alter_column(
            "secret", existing_type=sa.String(255), type_=sa.String(128), existing_nullable=False
        )
