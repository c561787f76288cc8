"""Tables of the MeshModel registry: packages, registrants, categories, models and their entities.

Unlike upstream, the registry persists: each imported package (a model
directory or archive) is remembered with its content hash so an unchanged
catalog is skipped at the next start. Component rows are kept narrow (the
columns lists filter, search and sort on) and their JSON bodies live in a
separate table, so scans at 90,000 components stay cheap on both databases.
Bodies are stored as JSON text and spliced into answers without re-parsing.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Index, Integer, LargeBinary, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from meshery.store.base import Base

NOW = text("CURRENT_TIMESTAMP")


def _created() -> Mapped[datetime]:
    return mapped_column(DateTime(timezone=True), nullable=False, server_default=NOW)


class RegistryPackage(Base):
    """One import source: a model directory or archive, with its fingerprint and outcome."""

    __tablename__ = "registry_packages"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    location: Mapped[str] = mapped_column(Text, nullable=False)
    fingerprint: Mapped[str] = mapped_column(String(64), nullable=False)
    content_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False)
    model_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    components: Mapped[int] = mapped_column(Integer, nullable=False, server_default=text("0"))
    relationships: Mapped[int] = mapped_column(Integer, nullable=False, server_default=text("0"))
    errors: Mapped[str] = mapped_column(Text, nullable=False, server_default=text("'[]'"))
    updated_at: Mapped[datetime] = _created()


class RegistryRegistrant(Base):
    """A registrant (upstream: a connection of type `registry`), one row per kind."""

    __tablename__ = "registry_registrants"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    kind: Mapped[str] = mapped_column(String(128), nullable=False, unique=True)
    name: Mapped[str] = mapped_column(String(255), nullable=False)
    type: Mapped[str] = mapped_column(String(64), nullable=False)
    sub_type: Mapped[str] = mapped_column(String(64), nullable=False)
    status: Mapped[str] = mapped_column(String(32), nullable=False)
    created_at: Mapped[datetime] = _created()
    updated_at: Mapped[datetime] = _created()


class RegistryCategory(Base):
    __tablename__ = "registry_categories"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(255), nullable=False, unique=True)
    meta: Mapped[str] = mapped_column("metadata", Text, nullable=False, server_default=text("'{}'"))


class RegistryModel(Base):
    """A model definition; ``latest`` marks the newest version of each name."""

    __tablename__ = "registry_models"
    __table_args__ = (Index("ix_registry_models_name_latest", "name", "latest"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    package_id: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    name: Mapped[str] = mapped_column(String(255), nullable=False)
    version: Mapped[str] = mapped_column(String(64), nullable=False)
    model_version: Mapped[str] = mapped_column(String(128), nullable=False)
    display_name: Mapped[str] = mapped_column(String(255), nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False)
    registrant_id: Mapped[str] = mapped_column(ForeignKey("registry_registrants.id"), nullable=False, index=True)
    category_id: Mapped[str] = mapped_column(ForeignKey("registry_categories.id"), nullable=False, index=True)
    sub_category: Mapped[str] = mapped_column(String(128), nullable=False)
    latest: Mapped[bool] = mapped_column(Boolean, nullable=False)
    components_count: Mapped[int] = mapped_column(Integer, nullable=False)
    relationships_count: Mapped[int] = mapped_column(Integer, nullable=False)
    body: Mapped[str] = mapped_column(Text, nullable=False)
    created_at: Mapped[datetime] = _created()
    updated_at: Mapped[datetime] = _created()


class RegistryComponent(Base):
    """The searchable columns of a component definition (its body is in ``registry_component_bodies``)."""

    __tablename__ = "registry_components"
    __table_args__ = (
        Index("ix_registry_components_model_name", "model_id", "display_name"),
        Index("ix_registry_components_latest_name", "latest", "display_name", "search"),
        Index("ix_registry_components_kind", "kind", "api_version", "latest"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    model_id: Mapped[str] = mapped_column(ForeignKey("registry_models.id", ondelete="CASCADE"), nullable=False)
    kind: Mapped[str] = mapped_column(String(255), nullable=False)
    api_version: Mapped[str] = mapped_column(String(255), nullable=False)
    display_name: Mapped[str] = mapped_column(String(255), nullable=False)
    search: Mapped[str] = mapped_column(String(520), nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False)
    latest: Mapped[bool] = mapped_column(Boolean, nullable=False)
    annotation: Mapped[bool] = mapped_column(Boolean, nullable=False)


class RegistryComponentBody(Base):
    """A component's JSON, compressed (``meshery.registry.codec``): its body and its schema string.

    Compressed because these are most of the registry's bytes (several KB per
    component, mostly repeated keys): writing a fifth as much is what keeps a
    bulk import fast, and a page of 25 decompresses in microseconds.
    """

    __tablename__ = "registry_component_bodies"

    id: Mapped[str] = mapped_column(ForeignKey("registry_components.id", ondelete="CASCADE"), primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)


class RegistryRelationship(Base):
    __tablename__ = "registry_relationships"
    __table_args__ = (Index("ix_registry_relationships_model_kind", "model_id", "kind"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    model_id: Mapped[str] = mapped_column(ForeignKey("registry_models.id", ondelete="CASCADE"), nullable=False)
    kind: Mapped[str] = mapped_column(String(64), nullable=False)
    type: Mapped[str] = mapped_column(String(64), nullable=False)
    sub_type: Mapped[str] = mapped_column(String(64), nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False)
    latest: Mapped[bool] = mapped_column(Boolean, nullable=False)
    body: Mapped[str] = mapped_column(Text, nullable=False)


class RegistryEntity(Base):
    """Other model entities: policies and connection definitions (``entity_type``)."""

    __tablename__ = "registry_entities"
    __table_args__ = (Index("ix_registry_entities_type_model", "entity_type", "model_id"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    entity_type: Mapped[str] = mapped_column(String(32), nullable=False)
    model_id: Mapped[str | None] = mapped_column(ForeignKey("registry_models.id", ondelete="CASCADE"), nullable=True)
    name: Mapped[str] = mapped_column(String(255), nullable=False)
    kind: Mapped[str] = mapped_column(String(255), nullable=False)
    body: Mapped[str] = mapped_column(Text, nullable=False)
    updated_at: Mapped[datetime] = _created()
