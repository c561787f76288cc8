"""Tables and repository of connections and credentials (upstream ``connections``, ``credentials``).

A Kubernetes context is stored as a connection (kind ``kubernetes``) whose metadata carries the
context facts (name, server, version, cluster id) and whose credential holds the kubeconfig's
cluster and user blocks, encrypted by the caller (``meshery.secrets``) before they reach here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, DateTime, String, Text, and_, delete, func, select, update
from sqlalchemy.orm import Mapped, mapped_column

from meshery.store import search
from meshery.store.base import Base
from meshery.store.engine import Store

# Beyond any real table; larger offsets (fuzzed page numbers) would overflow the databases' integers.
MAX_OFFSET = 2**62


def _now() -> datetime:
    return datetime.now(UTC)


class Connection(Base):
    __tablename__ = "connections"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(255), nullable=False, index=True)
    credential_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    type: Mapped[str] = mapped_column(String(64), nullable=False)
    sub_type: Mapped[str] = mapped_column(String(64), nullable=False)
    kind: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    meta: Mapped[dict[str, Any]] = mapped_column("metadata", JSON, nullable=False)
    status: Mapped[str] = mapped_column(String(32), nullable=False, index=True)
    user_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class Credential(Base):
    __tablename__ = "credentials"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(255), nullable=False)
    user_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    type: Mapped[str] = mapped_column(String(64), nullable=False)
    secret: Mapped[str] = mapped_column(Text, nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


@dataclass(frozen=True)
class ConnectionFilter:
    kinds: Sequence[str] = ()
    statuses: Sequence[str] = ()
    types: Sequence[str] = ()
    names: Sequence[str] = ()
    search: str | None = None


_ORDER = {"name", "kind", "status", "type", "sub_type", "created_at", "updated_at"}


def _where(flt: ConnectionFilter) -> list[Any]:
    conds: list[Any] = []
    if flt.kinds:
        conds.append(Connection.kind.in_(list(flt.kinds)))
    if flt.statuses:
        conds.append(Connection.status.in_(list(flt.statuses)))
    if flt.types:
        conds.append(Connection.type.in_(list(flt.types)))
    if flt.names:
        conds.append(Connection.name.in_(list(flt.names)))
    if flt.search:
        conds.append(search.condition(flt.search, Connection.name))
    return conds


async def list_connections(
    store: Store, flt: ConnectionFilter, *, page: int, page_size: int, order: str | None
) -> tuple[list[Connection], int, dict[str, int]]:
    """One page of connections, the total and the count per status (all matching the filter)."""
    conds = _where(flt)
    field, _, direction = (order or "updated_at desc").partition(" ")
    column = getattr(Connection, field if field in _ORDER else "updated_at")
    sort = column.desc() if direction == "desc" else column.asc()
    async with store.read() as session:
        rows = (
            (
                await session.execute(
                    select(Connection)
                    .where(and_(True, *conds))
                    .order_by(sort, Connection.id)
                    .offset(min(page * page_size, MAX_OFFSET))
                    .limit(page_size)
                )
            )
            .scalars()
            .all()
        )
        counts = (
            await session.execute(
                select(Connection.status, func.count()).where(and_(True, *conds)).group_by(Connection.status)
            )
        ).all()
    summary = {str(s): int(n) for s, n in counts}
    return list(rows), sum(summary.values()), summary


async def get_connection(store: Store, connection_id: str) -> Connection | None:
    async with store.read() as session:
        return await session.get(Connection, connection_id)


async def connections_by_kind(store: Store, kind: str, statuses: Sequence[str] = ()) -> list[Connection]:
    stmt = select(Connection).where(Connection.kind == kind)
    if statuses:
        stmt = stmt.where(Connection.status.in_(list(statuses)))
    async with store.read() as session:
        return list((await session.execute(stmt.order_by(Connection.created_at))).scalars().all())


async def save_connection(store: Store, conn: Connection, credential: Credential | None = None) -> Connection:
    """Insert or replace a connection (and its credential) by id."""
    async with store.write() as session:
        if credential is not None:
            await session.merge(credential)
        merged = await session.merge(conn)
    return merged


async def set_status(store: Store, connection_id: str, status: str, meta: dict[str, Any] | None = None) -> bool:
    values: dict[str, Any] = {"status": status, "updated_at": _now()}
    if meta is not None:
        values["meta"] = meta
    async with store.write() as session:
        result = await session.execute(update(Connection).where(Connection.id == connection_id).values(**values))
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def delete_connection(store: Store, connection_id: str) -> Connection | None:
    """Remove a connection and its credential; returns what was removed."""
    async with store.write() as session:
        conn = await session.get(Connection, connection_id)
        if conn is None:
            return None
        if conn.credential_id:
            await session.execute(delete(Credential).where(Credential.id == conn.credential_id))
        await session.delete(conn)
    return conn


async def get_credential(store: Store, credential_id: str) -> Credential | None:
    async with store.read() as session:
        return await session.get(Credential, credential_id)


def now() -> datetime:
    return _now()
