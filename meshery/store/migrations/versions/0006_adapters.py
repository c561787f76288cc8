"""adapters: the ``user_adapters`` table (each user's adapter list)

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


def downgrade() -> None:
    op.drop_table("user_adapters")
