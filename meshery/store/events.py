"""The ``events`` table (upstream meshkit ``events.Event``) and its write path.

Column names follow upstream's table; ``metadata`` is a reserved attribute name
on SQLAlchemy models, so the Python attribute is ``event_metadata``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Index, String, Text, insert
from sqlalchemy.orm import Mapped, mapped_column

from meshery.store.base import Base
from meshery.store.engine import Store


class EventRow(Base):
    """One event: something that happened to an entity, raised by a user or the system."""

    __tablename__ = "events"
    __table_args__ = (
        Index("ix_events_created_at", "created_at"),
        Index("ix_events_status_severity", "status", "severity"),
        Index("ix_events_category_action", "category", "action"),
        Index("ix_events_acted_upon", "acted_upon"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    user_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    system_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    acted_upon: Mapped[str | None] = mapped_column(String(64), nullable=True)
    operation_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    category: Mapped[str] = mapped_column(String(128), nullable=False)
    action: Mapped[str] = mapped_column(String(128), nullable=False)
    severity: Mapped[str] = mapped_column(String(16), nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False)
    description: Mapped[str] = mapped_column(Text, nullable=False)
    event_metadata: Mapped[dict[str, Any]] = mapped_column("metadata", JSON, nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


async def insert_events(store: Store, rows: list[dict[str, Any]]) -> None:
    """Store events given as column -> value mappings (``metadata`` keyed by column name)."""
    if not rows:
        return
    values = [{("event_metadata" if k == "metadata" else k): v for k, v in r.items()} for r in rows]
    async with store.write() as session:
        await session.execute(insert(EventRow), values)
