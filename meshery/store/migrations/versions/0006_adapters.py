"""adapters: each user's adapter list, operations sent to adapters, relayed-event claims

Revision ID: 0006
Revises: 0001
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0001"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "user_adapters",
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("location", sa.String(length=300), nullable=False),
        sa.Column("name", sa.String(length=256), nullable=False),
        sa.Column("version", sa.String(length=128), nullable=False),
        sa.Column("git_commit_sha", sa.String(length=128), nullable=False),
        sa.Column("ops", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("user_id", "location", name=op.f("pk_user_adapters")),
    )
    op.create_index("ix_user_adapters_location", "user_adapters", ["location"])
    op.create_table(
        "adapter_operations",
        sa.Column("operation_id", sa.String(length=36), nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("location", sa.String(length=300), nullable=False),
        sa.Column("name", sa.String(length=256), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("operation_id", name=op.f("pk_adapter_operations")),
    )
    op.create_index("ix_adapter_operations_created_at", "adapter_operations", ["created_at"])
    op.create_table(
        "adapter_event_claims",
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("fingerprint", name=op.f("pk_adapter_event_claims")),
    )
    op.create_index("ix_adapter_event_claims_created_at", "adapter_event_claims", ["created_at"])


def downgrade() -> None:
    op.drop_table("adapter_event_claims")
    op.drop_table("adapter_operations")
    op.drop_table("user_adapters")
