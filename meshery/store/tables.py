"""Tables of the foundation: server-wide settings (upstream ``system_settings``).

Area tables (registry, connections, events, ...) live in their own modules and
are imported by ``meshery.store.models`` so Alembic sees one metadata.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from meshery.store.base import Base


class SystemSetting(Base):
    """A key/value setting of this installation, e.g. the persistent instance id."""

    __tablename__ = "system_settings"

    key: Mapped[str] = mapped_column(String(128), primary_key=True)
    value: Mapped[str] = mapped_column(Text, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=text("CURRENT_TIMESTAMP")
    )
