"""Tables of the adapters area and their repository.

- ``user_adapters``: adapters each user added at run time. Upstream keeps this list in the
  user's preferences (``meshAdapters``); until preferences have their own store this table
  holds it, reached only through ``meshery.adapters.preferences``.
- ``adapter_operations``: who started which operation, so any replica can name the owner of
  the operation's events.
- ``adapter_event_claims``: one row per relayed adapter event; every replica watching an
  adapter receives its events, and the one that inserts the claim first relays it.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import JSON, DateTime, Index, String, delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from meshery.store.base import Base
from meshery.store.engine import Store


class UserAdapterRow(Base):
    """One adapter location in one user's list, with what the adapter said when it was added."""

    __tablename__ = "user_adapters"
    __table_args__ = (Index("ix_user_adapters_location", "location"),)

    user_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    location: Mapped[str] = mapped_column(String(300), primary_key=True)
    name: Mapped[str] = mapped_column(String(256), nullable=False)
    version: Mapped[str] = mapped_column(String(128), nullable=False)
    git_commit_sha: Mapped[str] = mapped_column(String(128), nullable=False)
    ops: Mapped[list[dict[str, Any]]] = mapped_column(JSON, nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)


class AdapterOperationRow(Base):
    """One operation sent to an adapter."""

    __tablename__ = "adapter_operations"
    __table_args__ = (Index("ix_adapter_operations_created_at", "created_at"),)

    operation_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(64), nullable=False)
    location: Mapped[str] = mapped_column(String(300), nullable=False)
    name: Mapped[str] = mapped_column(String(256), nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)


class AdapterEventClaimRow(Base):
    """An adapter event some replica has taken on to relay (kept for a while, then pruned)."""

    __tablename__ = "adapter_event_claims"
    __table_args__ = (Index("ix_adapter_event_claims_created_at", "created_at"),)

    fingerprint: Mapped[str] = mapped_column(String(64), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)


def _row(r: UserAdapterRow) -> dict[str, Any]:
    return {
        "location": r.location, "name": r.name, "version": r.version,
        "git_commit_sha": r.git_commit_sha, "ops": list(r.ops),
    }


async def list_for_user(store: Store, user_id: str) -> list[dict[str, Any]]:
    """The user's adapters in the order they were added."""
    async with store.read() as session:
        rows = await session.scalars(
            select(UserAdapterRow)
            .where(UserAdapterRow.user_id == user_id)
            .order_by(UserAdapterRow.created_at, UserAdapterRow.location)
        )
        return [_row(r) for r in rows]


async def add(store: Store, user_id: str, adapter: dict[str, Any]) -> bool:
    """Add one adapter to a user's list; False when the location was already there."""
    try:
        async with store.write() as session:
            session.add(UserAdapterRow(
                user_id=user_id, location=adapter["location"], name=adapter["name"],
                version=adapter["version"], git_commit_sha=adapter["git_commit_sha"],
                ops=adapter["ops"], created_at=datetime.now(UTC),
            ))
    except IntegrityError:
        return False
    return True


async def remove(store: Store, user_id: str, location: str) -> bool:
    async with store.write() as session:
        result = await session.execute(
            delete(UserAdapterRow).where(UserAdapterRow.user_id == user_id, UserAdapterRow.location == location)
        )
        return bool(getattr(result, "rowcount", 0))


async def all_locations(store: Store) -> list[str]:
    """Every location any user has added (the server watches each of them)."""
    async with store.read() as session:
        rows = await session.scalars(select(UserAdapterRow.location).distinct().order_by(UserAdapterRow.location))
        return list(rows)


async def record_operation(store: Store, operation_id: str, user_id: str, location: str, name: str) -> None:
    async with store.write() as session:
        session.add(AdapterOperationRow(
            operation_id=operation_id, user_id=user_id, location=location, name=name, created_at=datetime.now(UTC)
        ))


async def operation_owner(store: Store, operation_id: str) -> str | None:
    async with store.read() as session:
        owner = await session.scalar(
            select(AdapterOperationRow.user_id).where(AdapterOperationRow.operation_id == operation_id)
        )
        return str(owner) if owner is not None else None


async def claim_event(store: Store, fingerprint: str) -> bool:
    """True for the first caller with this fingerprint, False for every later one."""
    try:
        async with store.write() as session:
            session.add(AdapterEventClaimRow(fingerprint=fingerprint, created_at=datetime.now(UTC)))
    except IntegrityError:
        return False
    return True


async def prune_claims(store: Store, older_than: timedelta) -> int:
    async with store.write() as session:
        result = await session.execute(
            delete(AdapterEventClaimRow).where(AdapterEventClaimRow.created_at < datetime.now(UTC) - older_than)
        )
        return int(getattr(result, "rowcount", 0) or 0)
