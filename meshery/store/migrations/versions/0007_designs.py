"""designs: the upstream ``meshery_patterns`` table of stored designs

Revision ID: 0007
Revises: 0001
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0001"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "meshery_patterns",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=True),
        sa.Column("pattern_file", sa.Text(), nullable=False),
        sa.Column("source_type", sa.String(length=64), nullable=False),
        sa.Column("source_content", sa.LargeBinary(), nullable=True),
        sa.Column("visibility", sa.String(length=16), nullable=False),
        sa.Column("location", sa.JSON(), nullable=False),
        sa.Column("catalog_data", sa.JSON(), nullable=False),
        sa.Column("view_count", sa.Integer(), nullable=False),
        sa.Column("download_count", sa.Integer(), nullable=False),
        sa.Column("clone_count", sa.Integer(), nullable=False),
        sa.Column("deployment_count", sa.Integer(), nullable=False),
        sa.Column("share_count", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meshery_patterns")),
    )
    op.create_index("ix_meshery_patterns_user_id_updated_at", "meshery_patterns", ["user_id", "updated_at", "id"])
    op.create_index(
        "ix_meshery_patterns_visibility_updated_at", "meshery_patterns", ["visibility", "updated_at", "id"]
    )
    op.create_index("ix_meshery_patterns_updated_at", "meshery_patterns", ["updated_at", "id"])


def downgrade() -> None:
    op.drop_table("meshery_patterns")
