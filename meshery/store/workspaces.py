"""Tables and repository of workspaces, environments, their assignments and pending connection registrations.

Upstream keeps one mapping table per assigned kind; here one ``workspace_members`` table holds
them all (``kind`` is ``environment``, ``design``, ``view`` or ``team``). Views and teams are not
entities of this server: their ids are stored as given. ``environment_connections`` attaches
connections to environments. Credentials live in ``meshery.store.connections`` (one table with
the Kubernetes contexts' credentials); their queries are in ``meshery.store.credentials``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Index, String, Text, and_, delete, func, select
from sqlalchemy.orm import Mapped, mapped_column

from meshery.store.base import Base
from meshery.store.connections import MAX_OFFSET, Connection
from meshery.store.designs import PatternRow
from meshery.store.engine import Store
from meshery.store.search import condition as search_condition


def now() -> datetime:
    return datetime.now(UTC)


class Environment(Base):
    __tablename__ = "environments"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(255), nullable=False, index=True)
    description: Mapped[str] = mapped_column(Text, nullable=False)
    organization_id: Mapped[str] = mapped_column(String(36), nullable=False, index=True)
    owner: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    meta: Mapped[dict[str, Any]] = mapped_column("metadata", JSON, nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)


class Workspace(Base):
    __tablename__ = "workspaces"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(255), nullable=False, index=True)
    description: Mapped[str] = mapped_column(Text, nullable=False)
    organization_id: Mapped[str] = mapped_column(String(36), nullable=False, index=True)
    owner: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    meta: Mapped[dict[str, Any]] = mapped_column("metadata", JSON, nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)


class WorkspaceMember(Base):
    """One object (environment, design, view or team) assigned to one workspace."""

    __tablename__ = "workspace_members"
    __table_args__ = (Index("ix_workspace_members_kind_member", "kind", "member_id"),)

    workspace_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    member_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    id: Mapped[str] = mapped_column(String(36), nullable=False, unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)


class EnvironmentConnection(Base):
    """One connection attached to one environment."""

    __tablename__ = "environment_connections"

    environment_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    connection_id: Mapped[str] = mapped_column(String(64), primary_key=True, index=True)
    id: Mapped[str] = mapped_column(String(36), nullable=False, unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)


class ConnectionRegistration(Base):
    """A registration wizard in progress; ``state`` is the sealed input of its steps."""

    __tablename__ = "connection_registrations"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    owner: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    kind: Mapped[str] = mapped_column(String(64), nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False)
    connection_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    state: Mapped[str] = mapped_column(Text, nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)


Owned = Workspace | Environment

_ORDER = {"name", "created_at", "updated_at", "description"}


@dataclass(frozen=True)
class ListQuery:
    owner: str
    page: int
    page_size: int
    search: str | None = None
    order: str | None = None
    organization_id: str | None = None


def _sort(model: type[Workspace] | type[Environment], order: str | None) -> Any:
    field, _, direction = (order or "updated_at desc").partition(" ")
    column = getattr(model, field if field in _ORDER else "updated_at")
    return column.desc() if direction == "desc" else column.asc()


async def list_owned(store: Store, model: type[Workspace] | type[Environment], q: ListQuery) -> tuple[list[Any], int]:
    conds: list[Any] = [model.owner == q.owner]
    if q.organization_id:
        conds.append(model.organization_id == q.organization_id)
    if q.search:
        conds.append(search_condition(q.search, model.name))
    async with store.read() as session:
        total = (await session.execute(select(func.count()).select_from(model).where(and_(*conds)))).scalar_one()
        rows = (
            (
                await session.execute(
                    select(model)
                    .where(and_(*conds))
                    .order_by(_sort(model, q.order), model.id)
                    .offset(min(q.page * q.page_size, MAX_OFFSET))
                    .limit(q.page_size)
                )
            )
            .scalars()
            .all()
        )
    return list(rows), int(total)


async def get_owned(store: Store, model: type[Workspace] | type[Environment], object_id: str, owner: str) -> Any | None:
    async with store.read() as session:
        row: Workspace | Environment | None = await session.get(model, object_id)
    return row if row is not None and row.owner == owner else None


async def save(store: Store, row: Owned) -> None:
    async with store.write() as session:
        await session.merge(row)


async def delete_workspace(store: Store, workspace_id: str) -> None:
    async with store.write() as session:
        await session.execute(delete(WorkspaceMember).where(WorkspaceMember.workspace_id == workspace_id))
        await session.execute(delete(Workspace).where(Workspace.id == workspace_id))


async def delete_environment(store: Store, environment_id: str) -> tuple[int, int]:
    """Remove the environment and detach it everywhere; returns (connections, workspaces) detached."""
    async with store.write() as session:
        conns = await session.execute(
            delete(EnvironmentConnection).where(EnvironmentConnection.environment_id == environment_id)
        )
        members = await session.execute(
            delete(WorkspaceMember).where(
                WorkspaceMember.kind == "environment", WorkspaceMember.member_id == environment_id
            )
        )
        await session.execute(delete(Environment).where(Environment.id == environment_id))
    return int(conns.rowcount), int(members.rowcount)  # type: ignore[attr-defined]


# --- workspace members --------------------------------------------------------------------


async def add_member(store: Store, member: WorkspaceMember) -> WorkspaceMember:
    """Insert the assignment unless it exists; returns the stored one."""
    async with store.write() as session:
        existing = await session.get(WorkspaceMember, (member.workspace_id, member.kind, member.member_id))
        if existing is not None:
            return existing
        session.add(member)
    return member


async def remove_member(store: Store, workspace_id: str, kind: str, member_id: str) -> WorkspaceMember | None:
    async with store.write() as session:
        existing = await session.get(WorkspaceMember, (workspace_id, kind, member_id))
        if existing is None:
            return None
        await session.delete(existing)
    return existing


async def list_members(
    store: Store, workspace_id: str, kind: str, *, page: int, page_size: int
) -> tuple[list[WorkspaceMember], int]:
    conds = [WorkspaceMember.workspace_id == workspace_id, WorkspaceMember.kind == kind]
    async with store.read() as session:
        total = (await session.execute(select(func.count()).select_from(WorkspaceMember).where(*conds))).scalar_one()
        rows = (
            (
                await session.execute(
                    select(WorkspaceMember)
                    .where(*conds)
                    .order_by(WorkspaceMember.created_at, WorkspaceMember.member_id)
                    .offset(min(page * page_size, MAX_OFFSET))
                    .limit(page_size)
                )
            )
            .scalars()
            .all()
        )
    return list(rows), int(total)


async def workspace_environments(store: Store, workspace_id: str, q: ListQuery) -> tuple[list[Environment], int]:
    """The environments assigned to a workspace (those still existing), one page."""
    conds: list[Any] = [
        WorkspaceMember.workspace_id == workspace_id,
        WorkspaceMember.kind == "environment",
        WorkspaceMember.member_id == Environment.id,
    ]
    if q.search:
        conds.append(search_condition(q.search, Environment.name))
    async with store.read() as session:
        total = (
            await session.execute(select(func.count()).select_from(Environment).join(WorkspaceMember, and_(*conds)))
        ).scalar_one()
        rows = (
            (
                await session.execute(
                    select(Environment)
                    .join(WorkspaceMember, and_(*conds))
                    .order_by(_sort(Environment, q.order), Environment.id)
                    .offset(min(q.page * q.page_size, MAX_OFFSET))
                    .limit(q.page_size)
                )
            )
            .scalars()
            .all()
        )
    return list(rows), int(total)


# --- environment connections --------------------------------------------------------------


async def attach(store: Store, link: EnvironmentConnection) -> EnvironmentConnection:
    async with store.write() as session:
        existing = await session.get(EnvironmentConnection, (link.environment_id, link.connection_id))
        if existing is not None:
            return existing
        session.add(link)
    return link


async def detach(store: Store, environment_id: str, connection_id: str) -> EnvironmentConnection | None:
    async with store.write() as session:
        existing = await session.get(EnvironmentConnection, (environment_id, connection_id))
        if existing is None:
            return None
        await session.delete(existing)
    return existing


async def detach_connection_everywhere(store: Store, connection_id: str) -> int:
    async with store.write() as session:
        result = await session.execute(
            delete(EnvironmentConnection).where(EnvironmentConnection.connection_id == connection_id)
        )
    return int(result.rowcount)  # type: ignore[attr-defined]


async def environment_connections(
    store: Store, environment_id: str, *, page: int, page_size: int, search: str | None, order: str | None
) -> tuple[list[Connection], int, dict[str, int]]:
    """One page of an environment's connections, the total and the count per status."""
    join = and_(
        EnvironmentConnection.connection_id == Connection.id, EnvironmentConnection.environment_id == environment_id
    )
    conds: list[Any] = []
    if search:
        conds.append(search_condition(search, Connection.name))
    field, _, direction = (order or "updated_at desc").partition(" ")
    allowed = {"name", "kind", "status", "type", "sub_type", "created_at", "updated_at"}
    column = getattr(Connection, field if field in allowed else "updated_at")
    sort = column.desc() if direction == "desc" else column.asc()
    async with store.read() as session:
        rows = (
            (
                await session.execute(
                    select(Connection)
                    .join(EnvironmentConnection, join)
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
                select(Connection.status, func.count())
                .join(EnvironmentConnection, join)
                .where(and_(True, *conds))
                .group_by(Connection.status)
            )
        ).all()
    summary = {str(s): int(n) for s, n in counts}
    return list(rows), sum(summary.values()), summary


async def environments_of_connections(store: Store, connection_ids: Sequence[str]) -> dict[str, list[Environment]]:
    """The environments each connection is attached to (for the connections' answers)."""
    if not connection_ids:
        return {}
    async with store.read() as session:
        rows = (
            await session.execute(
                select(EnvironmentConnection.connection_id, Environment)
                .join(Environment, Environment.id == EnvironmentConnection.environment_id)
                .where(EnvironmentConnection.connection_id.in_(list(connection_ids)))
                .order_by(Environment.name)
            )
        ).all()
    out: dict[str, list[Environment]] = {}
    for conn_id, env in rows:
        out.setdefault(conn_id, []).append(env)
    return out


# --- connection registrations -------------------------------------------------------------


async def get_registration(store: Store, registration_id: str, owner: str) -> ConnectionRegistration | None:
    async with store.read() as session:
        row = await session.get(ConnectionRegistration, registration_id)
    return row if row is not None and row.owner == owner else None


async def save_registration(store: Store, row: ConnectionRegistration) -> None:
    async with store.write() as session:
        await session.merge(row)


async def delete_registration(store: Store, registration_id: str) -> None:
    async with store.write() as session:
        await session.execute(delete(ConnectionRegistration).where(ConnectionRegistration.id == registration_id))


async def workspace_designs(store: Store, workspace_id: str, q: ListQuery) -> tuple[list[Any], int]:
    """The designs assigned to a workspace (those still stored), one page.

    Rows of (id, name, user_id, visibility, created_at, updated_at): the design files are not read.
    """
    conds: list[Any] = [
        WorkspaceMember.workspace_id == workspace_id,
        WorkspaceMember.kind == "design",
        WorkspaceMember.member_id == PatternRow.id,
    ]
    if q.search:
        conds.append(search_condition(q.search, PatternRow.name))
    field, _, direction = (q.order or "updated_at desc").partition(" ")
    column = getattr(PatternRow, field if field in _ORDER - {"description"} else "updated_at")
    sort = column.desc() if direction == "desc" else column.asc()
    columns = (
        PatternRow.id,
        PatternRow.name,
        PatternRow.user_id,
        PatternRow.visibility,
        PatternRow.created_at,
        PatternRow.updated_at,
    )
    async with store.read() as session:
        total = (
            await session.execute(select(func.count()).select_from(PatternRow).join(WorkspaceMember, and_(*conds)))
        ).scalar_one()
        rows = (
            await session.execute(
                select(*columns)
                .join(WorkspaceMember, and_(*conds))
                .order_by(sort, PatternRow.id)
                .offset(min(q.page * q.page_size, MAX_OFFSET))
                .limit(q.page_size)
            )
        ).all()
    return list(rows), int(total)


async def delete_registrations_before(store: Store, cutoff: datetime) -> int:
    """Forget registrations abandoned since ``cutoff`` (their sealed input included)."""
    async with store.write() as session:
        result = await session.execute(delete(ConnectionRegistration).where(ConnectionRegistration.updated_at < cutoff))
    return int(result.rowcount)  # type: ignore[attr-defined]
