"""workspaces: workspaces, environments, their assignments, pending connection registrations

Revision ID: 0008
Revises: 0001
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0001"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None


def _owned(name: str) -> None:
    op.create_table(
        name,
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("organization_id", sa.String(length=36), nullable=False),
        sa.Column("owner", sa.String(length=64), nullable=False),
        sa.Column("metadata", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{name}")),
    )
    for column in ("name", "organization_id", "owner"):
        op.create_index(f"ix_{name}_{column}", name, [column])


def upgrade() -> None:
    _owned("environments")
    _owned("workspaces")
    op.create_table(
        "workspace_members",
        sa.Column("workspace_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("member_id", sa.String(length=36), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("workspace_id", "kind", "member_id", name=op.f("pk_workspace_members")),
        sa.UniqueConstraint("id", name=op.f("uq_workspace_members_id")),
    )
    op.create_index("ix_workspace_members_kind_member", "workspace_members", ["kind", "member_id"])
    op.create_table(
        "environment_connections",
        sa.Column("environment_id", sa.String(length=36), nullable=False),
        sa.Column("connection_id", sa.String(length=64), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("environment_id", "connection_id", name=op.f("pk_environment_connections")),
        sa.UniqueConstraint("id", name=op.f("uq_environment_connections_id")),
    )
    op.create_index("ix_environment_connections_connection_id", "environment_connections", ["connection_id"])
    op.create_table(
        "connection_registrations",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("owner", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("connection_id", sa.String(length=64), nullable=True),
        sa.Column("state", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_connection_registrations")),
    )
    op.create_index("ix_connection_registrations_owner", "connection_registrations", ["owner"])


def downgrade() -> None:
    op.drop_table("connection_registrations")
    op.drop_table("environment_connections")
    op.drop_table("workspace_members")
    op.drop_table("workspaces")
    op.drop_table("environments")
