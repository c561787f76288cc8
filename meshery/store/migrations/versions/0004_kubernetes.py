"""kubernetes: connections, credentials and the MeshSync tables (upstream names)

Revision ID: 0004
Revises: 0001
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0001"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None

TABLES = (
    "kubernetes_resource_statuses",
    "kubernetes_resource_specs",
    "kubernetes_resources",
    "kubernetes_resource_object_meta",
    "kubernetes_key_values",
    "credentials",
    "connections",
)


def upgrade() -> None:

    op.create_table(
        "connections",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("credential_id", sa.String(length=36), nullable=True),
        sa.Column("type", sa.String(length=64), nullable=False),
        sa.Column("sub_type", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("metadata", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_connections")),
    )
    op.create_index(op.f("ix_connections_kind"), "connections", ["kind"], unique=False)
    op.create_index(op.f("ix_connections_name"), "connections", ["name"], unique=False)
    op.create_index(op.f("ix_connections_status"), "connections", ["status"], unique=False)
    op.create_table(
        "credentials",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=True),
        sa.Column("type", sa.String(length=64), nullable=False),
        sa.Column("secret", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credentials")),
    )
    op.create_table(
        "kubernetes_key_values",
        sa.Column("id", sa.String(length=512), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("key", sa.String(length=512), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("unique_id", sa.String(length=36), nullable=False),
        sa.PrimaryKeyConstraint("id", "kind", "key", name=op.f("pk_kubernetes_key_values")),
    )
    op.create_index(op.f("ix_kubernetes_key_values_unique_id"), "kubernetes_key_values", ["unique_id"], unique=False)
    op.create_table(
        "kubernetes_resource_object_meta",
        sa.Column("id", sa.String(length=512), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("generate_name", sa.String(length=255), nullable=True),
        sa.Column("namespace", sa.String(length=255), nullable=False),
        sa.Column("self_link", sa.Text(), nullable=True),
        sa.Column("uid", sa.String(length=64), nullable=False),
        sa.Column("resource_version", sa.String(length=64), nullable=True),
        sa.Column("generation", sa.BigInteger(), nullable=True),
        sa.Column("creation_timestamp", sa.String(length=64), nullable=True),
        sa.Column("deletion_timestamp", sa.String(length=64), nullable=True),
        sa.Column("deletion_grace_period_seconds", sa.Integer(), nullable=True),
        sa.Column("cluster_name", sa.String(length=255), nullable=True),
        sa.Column("cluster_id", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kubernetes_resource_object_meta")),
    )
    op.create_index(
        op.f("ix_kubernetes_resource_object_meta_name"), "kubernetes_resource_object_meta", ["name"], unique=False
    )
    op.create_index(
        op.f("ix_kubernetes_resource_object_meta_namespace"),
        "kubernetes_resource_object_meta",
        ["namespace"],
        unique=False,
    )
    op.create_table(
        "kubernetes_resource_specs",
        sa.Column("id", sa.String(length=512), nullable=False),
        sa.Column("attribute", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kubernetes_resource_specs")),
    )
    op.create_table(
        "kubernetes_resource_statuses",
        sa.Column("id", sa.String(length=512), nullable=False),
        sa.Column("attribute", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kubernetes_resource_statuses")),
    )
    op.create_table(
        "kubernetes_resources",
        sa.Column("id", sa.String(length=512), nullable=False),
        sa.Column("api_version", sa.String(length=255), nullable=False),
        sa.Column("kind", sa.String(length=255), nullable=False),
        sa.Column("model", sa.String(length=255), nullable=False),
        sa.Column("cluster_id", sa.String(length=64), nullable=False),
        sa.Column("pattern_resource", sa.String(length=36), nullable=True),
        sa.Column("component_metadata", sa.Text(), nullable=True),
        sa.Column("immutable", sa.Text(), nullable=True),
        sa.Column("data", sa.Text(), nullable=True),
        sa.Column("binary_data", sa.Text(), nullable=True),
        sa.Column("string_data", sa.Text(), nullable=True),
        sa.Column("type", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kubernetes_resources")),
    )
    op.create_index(op.f("ix_kubernetes_resources_api_version"), "kubernetes_resources", ["api_version"], unique=False)
    op.create_index(op.f("ix_kubernetes_resources_cluster_id"), "kubernetes_resources", ["cluster_id"], unique=False)
    op.create_index(op.f("ix_kubernetes_resources_kind"), "kubernetes_resources", ["kind"], unique=False)
    op.create_index(op.f("ix_kubernetes_resources_model"), "kubernetes_resources", ["model"], unique=False)


def downgrade() -> None:
    for name in TABLES:
        op.drop_table(name)
