"""User preferences (upstream ``UserPreference``) and remote sessions ended by logout."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, String, Text, delete
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from meshery.store.base import Base
from meshery.store.engine import Store


class UserPreference(Base):
    """The preference document of one user of one provider."""

    __tablename__ = "user_preferences"

    user_id: Mapped[str] = mapped_column(String(256), primary_key=True)
    provider: Mapped[str] = mapped_column(String(256), primary_key=True)
    preferences: Mapped[str] = mapped_column(Text, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)


async def load(store: Store, *, user_id: str, provider: str) -> dict[str, Any] | None:
    async with store.read() as session:
        row = await session.get(UserPreference, (user_id, provider))
        if row is None:
            return None
        data = json.loads(row.preferences)
    return data if isinstance(data, dict) else None


async def save(store: Store, *, user_id: str, provider: str, preferences: dict[str, Any]) -> None:
    """Insert or replace the document (last writer wins, as upstream)."""
    text = json.dumps(preferences, separators=(",", ":"), sort_keys=True)
    now = datetime.now(UTC)
    for _attempt in (1, 2):
        try:
            async with store.write() as session:
                row = await session.get(UserPreference, (user_id, provider))
                if row is None:
                    session.add(UserPreference(user_id=user_id, provider=provider, preferences=text, updated_at=now))
                else:
                    row.preferences = text
                    row.updated_at = now
            return
        except IntegrityError:
            # Another replica inserted the same user first; the second pass updates.
            continue



class RevokedSession(Base):
    """A remote session ended by logout on some replica; kept until the token would expire."""

    __tablename__ = "revoked_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)


async def revoke(store: Store, *, token_hash: str, expires_at: datetime) -> None:
    """Record a logged-out token (idempotent); expired records are dropped on the way."""
    try:
        async with store.write() as session:
            await session.execute(delete(RevokedSession).where(RevokedSession.expires_at < datetime.now(UTC)))
            if await session.get(RevokedSession, token_hash) is None:
                session.add(RevokedSession(token_hash=token_hash, expires_at=expires_at))
    except IntegrityError:
        return  # another replica recorded the same logout first


async def is_revoked(store: Store, *, token_hash: str) -> bool:
    async with store.read() as session:
        return await session.get(RevokedSession, token_hash) is not None
