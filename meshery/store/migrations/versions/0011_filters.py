"""filters: the upstream ``meshery_filters`` table of stored WASM filters, and their modules

The module of a filter (the ``.wasm`` bytes) lives in ``meshery_filter_files``, one row per
filter, so lists (which read only ``meshery_filters``) never load a module.

Revision ID: 0011_filters
Revises: 0010_local_owner
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011_filters"
down_revision: str | None = "0010_local_owner"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "meshery_filters",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=True),
        sa.Column("filter_resource", sa.Text(), nullable=False),
        sa.Column("visibility", sa.String(length=16), nullable=False),
        sa.Column("location", sa.JSON(), nullable=False),
        sa.Column("catalog_data", sa.JSON(), nullable=False),
        sa.Column("file_size", sa.Integer(), nullable=False),
        sa.Column("file_sha256", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meshery_filters")),
    )
    op.create_index("ix_meshery_filters_user_id_updated_at", "meshery_filters", ["user_id", "updated_at", "id"])
    op.create_index("ix_meshery_filters_visibility_updated_at", "meshery_filters", ["visibility", "updated_at", "id"])
    op.create_index("ix_meshery_filters_updated_at", "meshery_filters", ["updated_at", "id"])
    op.create_table(
        "meshery_filter_files",
        sa.Column("filter_id", sa.String(length=36), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["filter_id"],
            ["meshery_filters.id"],
            name=op.f("fk_meshery_filter_files_filter_id_meshery_filters"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("filter_id", name=op.f("pk_meshery_filter_files")),
    )


def downgrade() -> None:
    op.drop_table("meshery_filter_files")
    op.drop_table("meshery_filters")
