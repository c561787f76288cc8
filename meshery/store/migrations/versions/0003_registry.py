"""registry: packages, registrants, categories, models, components, relationships, entities

Revision ID: 0003
Revises: 0001
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0001"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "registry_categories",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("metadata", sa.Text(), server_default=sa.text("'{}'"), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registry_categories")),
        sa.UniqueConstraint("name", name=op.f("uq_registry_categories_name")),
    )
    op.create_table(
        "registry_packages",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("location", sa.Text(), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("model_id", sa.String(length=36), nullable=True),
        sa.Column("components", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("relationships", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("errors", sa.Text(), server_default=sa.text("'[]'"), nullable=False),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.text("CURRENT_TIMESTAMP"), nullable=False
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registry_packages")),
    )
    op.create_table(
        "registry_registrants",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=128), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("type", sa.String(length=64), nullable=False),
        sa.Column("sub_type", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.text("CURRENT_TIMESTAMP"), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.text("CURRENT_TIMESTAMP"), nullable=False
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registry_registrants")),
        sa.UniqueConstraint("kind", name=op.f("uq_registry_registrants_kind")),
    )
    op.create_table(
        "registry_models",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("package_id", sa.String(length=64), nullable=True),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("version", sa.String(length=64), nullable=False),
        sa.Column("model_version", sa.String(length=128), nullable=False),
        sa.Column("display_name", sa.String(length=255), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("registrant_id", sa.String(length=36), nullable=False),
        sa.Column("category_id", sa.String(length=36), nullable=False),
        sa.Column("sub_category", sa.String(length=128), nullable=False),
        sa.Column("latest", sa.Boolean(), nullable=False),
        sa.Column("components_count", sa.Integer(), nullable=False),
        sa.Column("relationships_count", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.text("CURRENT_TIMESTAMP"), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.text("CURRENT_TIMESTAMP"), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["category_id"], ["registry_categories.id"], name=op.f("fk_registry_models_category_id_registry_categories")
        ),
        sa.ForeignKeyConstraint(
            ["registrant_id"],
            ["registry_registrants.id"],
            name=op.f("fk_registry_models_registrant_id_registry_registrants"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registry_models")),
    )
    op.create_index(op.f("ix_registry_models_category_id"), "registry_models", ["category_id"], unique=False)
    op.create_index("ix_registry_models_name_latest", "registry_models", ["name", "latest"], unique=False)
    op.create_index(op.f("ix_registry_models_package_id"), "registry_models", ["package_id"], unique=False)
    op.create_index(op.f("ix_registry_models_registrant_id"), "registry_models", ["registrant_id"], unique=False)
    op.create_table(
        "registry_components",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("model_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=255), nullable=False),
        sa.Column("api_version", sa.String(length=255), nullable=False),
        sa.Column("display_name", sa.String(length=255), nullable=False),
        sa.Column("search", sa.String(length=520), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("latest", sa.Boolean(), nullable=False),
        sa.Column("annotation", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["model_id"],
            ["registry_models.id"],
            name=op.f("fk_registry_components_model_id_registry_models"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registry_components")),
    )
    op.create_index(
        "ix_registry_components_kind", "registry_components", ["kind", "api_version", "latest"], unique=False
    )
    op.create_index(
        "ix_registry_components_latest_name", "registry_components", ["latest", "display_name", "search"], unique=False
    )
    op.create_index(
        "ix_registry_components_model_name", "registry_components", ["model_id", "display_name"], unique=False
    )
    op.create_table(
        "registry_entities",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("entity_type", sa.String(length=32), nullable=False),
        sa.Column("model_id", sa.String(length=36), nullable=True),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("kind", sa.String(length=255), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.text("CURRENT_TIMESTAMP"), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["model_id"],
            ["registry_models.id"],
            name=op.f("fk_registry_entities_model_id_registry_models"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registry_entities")),
    )
    op.create_index("ix_registry_entities_type_model", "registry_entities", ["entity_type", "model_id"], unique=False)
    op.create_table(
        "registry_relationships",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("model_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("type", sa.String(length=64), nullable=False),
        sa.Column("sub_type", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("latest", sa.Boolean(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["model_id"],
            ["registry_models.id"],
            name=op.f("fk_registry_relationships_model_id_registry_models"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registry_relationships")),
    )
    op.create_index(
        "ix_registry_relationships_model_kind", "registry_relationships", ["model_id", "kind"], unique=False
    )
    op.create_table(
        "registry_component_bodies",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["id"],
            ["registry_components.id"],
            name=op.f("fk_registry_component_bodies_id_registry_components"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registry_component_bodies")),
    )


def downgrade() -> None:
    op.drop_table("registry_component_bodies")
    op.drop_index("ix_registry_relationships_model_kind", table_name="registry_relationships")
    op.drop_table("registry_relationships")
    op.drop_index("ix_registry_entities_type_model", table_name="registry_entities")
    op.drop_table("registry_entities")
    op.drop_index("ix_registry_components_model_name", table_name="registry_components")
    op.drop_index("ix_registry_components_latest_name", table_name="registry_components")
    op.drop_index("ix_registry_components_kind", table_name="registry_components")
    op.drop_table("registry_components")
    op.drop_index(op.f("ix_registry_models_registrant_id"), table_name="registry_models")
    op.drop_index(op.f("ix_registry_models_package_id"), table_name="registry_models")
    op.drop_index("ix_registry_models_name_latest", table_name="registry_models")
    op.drop_index(op.f("ix_registry_models_category_id"), table_name="registry_models")
    op.drop_table("registry_models")
    op.drop_table("registry_registrants")
    op.drop_table("registry_packages")
    op.drop_table("registry_categories")
