"""The ``events`` table (upstream meshkit ``events.Event``) and its repository.

Column names follow upstream's table; ``metadata`` is a reserved attribute name
on SQLAlchemy models, so the Python attribute is ``event_metadata``. Deletes are
hard deletes, so the table only holds live events.

Listing costs two statements: one page, and one aggregate by (severity, status)
that yields both the total and the per-severity counts. Counting a hundred
thousand rows on every listing is too slow, so ``event_counts`` keeps the number
of events per (owner, category, action, severity, status), maintained in the same
transaction as every insert, status change and delete; listings filtered only on
those columns sum it instead. Status changes and deletes adjust it by the rows
they actually changed (``RETURNING``), so concurrent writers on several replicas
never count a row twice.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    ColumnElement,
    DateTime,
    Index,
    String,
    Text,
    and_,
    delete,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from meshery.store import search
from meshery.store.base import Base
from meshery.store.engine import Store
from meshery.store.tables import SystemSetting


class EventRow(Base):
    """One event: something that happened to an entity, raised by a user or the system."""

    __tablename__ = "events"
    __table_args__ = (
        # Newest-first pages (ordered by created_at, id), alone or after an equality
        # filter, are index walks.
        Index("ix_events_created_at", "created_at", "id"),
        Index("ix_events_severity_created_at", "severity", "created_at", "id"),
        Index("ix_events_category_created_at", "category", "created_at", "id"),
        Index("ix_events_status_created_at", "status", "created_at", "id"),
        Index("ix_events_updated_at", "updated_at", "id"),
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


class EventCount(Base):
    """How many events have one (owner, category, action, severity, status); '' owner = system."""

    __tablename__ = "event_counts"

    user_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    category: Mapped[str] = mapped_column(String(128), primary_key=True)
    action: Mapped[str] = mapped_column(String(128), primary_key=True)
    severity: Mapped[str] = mapped_column(String(16), primary_key=True)
    status: Mapped[str] = mapped_column(String(16), primary_key=True)
    count: Mapped[int] = mapped_column(BigInteger, nullable=False)


_COUNT_KEY = ("user_key", "category", "action", "severity", "status")


async def _adjust_counts(session: AsyncSession, deltas: Counter[tuple[str, str, str, str, str]]) -> None:
    """Add `deltas` to ``event_counts`` (upsert; the database adds, so concurrent writers are safe)."""
    values = [dict(zip(_COUNT_KEY, key, strict=True), count=delta) for key, delta in deltas.items() if delta]
    if not values:
        return
    dialect = session.get_bind().dialect.name
    make = postgresql.insert if dialect == "postgresql" else sqlite.insert
    # Sorted keys: concurrent transactions lock the rows in one order and cannot deadlock.
    values.sort(key=lambda v: tuple(v[k] for k in _COUNT_KEY))
    statement = make(EventCount)
    statement = statement.on_conflict_do_update(
        index_elements=list(_COUNT_KEY), set_={"count": EventCount.count + statement.excluded["count"]}
    )
    await session.execute(statement, values)


def _count_key(
    user_id: str | None, category: str, action: str, severity: str, status: str
) -> tuple[str, str, str, str, str]:
    return (user_id or "", category, action, severity, status)


_COLUMNS = [c.name for c in EventRow.__table__.columns]
SORT_COLUMNS = ("created_at", "updated_at", "severity", "category", "action", "status", "description")


def _as_dict(row: EventRow) -> dict[str, Any]:
    """Column name -> value (``metadata`` keyed by its column name)."""
    return {name: getattr(row, "event_metadata" if name == "metadata" else name) for name in _COLUMNS}


async def insert_events(store: Store, rows: list[dict[str, Any]]) -> None:
    """Store events given as column -> value mappings (``metadata`` keyed by column name)."""
    if not rows:
        return
    values = [{("event_metadata" if k == "metadata" else k): v for k, v in r.items()} for r in rows]
    deltas: Counter[tuple[str, str, str, str, str]] = Counter(
        _count_key(r["user_id"], r["category"], r["action"], r["severity"], r["status"]) for r in rows
    )
    async with store.write() as session:
        await session.execute(insert(EventRow), values)
        await _adjust_counts(session, deltas)


@dataclass(frozen=True)
class EventQuery:
    """Filters of a listing; empty tuples mean "any". `user_id` also admits system events."""

    user_id: str | None = None
    categories: Sequence[str] = ()
    actions: Sequence[str] = ()
    severities: Sequence[str] = ()
    acted_upon: Sequence[str] = ()
    status: str | None = None
    search: str | None = None
    sort: str = "created_at"
    descending: bool = True
    offset: int = 0
    limit: int | None = 25


@dataclass
class EventPage:
    rows: list[dict[str, Any]]
    total: int
    by_severity: dict[str, int] = field(default_factory=dict)


def _conditions(query: EventQuery) -> list[ColumnElement[bool]]:
    """Every filter but `status`, which the aggregate groups by instead."""
    where: list[ColumnElement[bool]] = []
    if query.user_id is not None:
        where.append(or_(EventRow.user_id == query.user_id, EventRow.user_id.is_(None)))
    for column, values in (
        (EventRow.category, query.categories),
        (EventRow.action, query.actions),
        (EventRow.severity, query.severities),
        (EventRow.acted_upon, query.acted_upon),
    ):
        if values:
            where.append(column == values[0] if len(values) == 1 else column.in_(list(values)))
    if query.search:
        where.append(search.condition(query.search, EventRow.description))
    return where


async def _page_rows(store: Store, page: Any) -> list[dict[str, Any]]:
    async with store.read() as session:
        return [_as_dict(r) for r in (await session.execute(page)).scalars()]


async def _count_groups(store: Store, counts: Any) -> list[Any]:
    async with store.read() as session:
        return list((await session.execute(counts)).all())


def _summary_answers(query: EventQuery) -> bool:
    """True when ``event_counts`` can count the matches (no acted-upon or search filter)."""
    return not query.acted_upon and not query.search


def _summary_counts(query: EventQuery) -> Any:
    where: list[ColumnElement[bool]] = []
    if query.user_id is not None:
        where.append(EventCount.user_key.in_([query.user_id, ""]))
    for column, values in (
        (EventCount.category, query.categories),
        (EventCount.action, query.actions),
        (EventCount.severity, query.severities),
    ):
        if values:
            where.append(column.in_(list(values)))
    if query.status:
        where.append(EventCount.status == query.status)
    return (
        select(EventCount.severity, EventCount.status, func.sum(EventCount.count))
        .where(and_(True, *where))
        .group_by(EventCount.severity, EventCount.status)
    )


async def list_events(store: Store, query: EventQuery) -> EventPage:
    """One page of events matching `query`, its total and the per-severity counts.

    The counts cover the `unread` events unless `query.status` is given, as upstream.
    """
    where = _conditions(query)
    page_where = [*where, EventRow.status == query.status] if query.status else where
    column = getattr(EventRow, query.sort if query.sort in SORT_COLUMNS else "created_at")
    ordering = [column.desc(), EventRow.id.desc()] if query.descending else [column.asc(), EventRow.id.asc()]
    page = select(EventRow).where(and_(True, *page_where)).order_by(*ordering).offset(query.offset)
    if query.limit is not None:
        page = page.limit(query.limit)
    counts = (
        _summary_counts(query)
        if _summary_answers(query)
        else (
            select(EventRow.severity, EventRow.status, func.count())
            .where(and_(True, *page_where))
            .group_by(EventRow.severity, EventRow.status)
        )
    )
    if store.dialect == "postgresql":
        # Independent reads: on two connections at once, a listing waits for the slower
        # round trip instead of both in turn.
        rows, groups = await asyncio.gather(_page_rows(store, page), _count_groups(store, counts))
    else:
        # SQLite answers in-process; a second connection only adds a thread hand-off.
        async with store.read() as session:
            rows = [_as_dict(r) for r in (await session.execute(page)).scalars()]
            groups = list((await session.execute(counts)).all())
    counted_status = query.status or "unread"
    total = 0
    by_severity: dict[str, int] = {}
    for severity, status, raw in groups:
        count = int(raw or 0)
        total += count
        if status == counted_status:
            by_severity[severity] = by_severity.get(severity, 0) + count
    return EventPage(rows=rows, total=total, by_severity=by_severity)


async def event_types(store: Store, *, user_id: str | None = None) -> tuple[list[str], list[str]]:
    """Distinct categories and actions of the events visible to `user_id`, sorted."""
    where = _conditions(EventQuery(user_id=user_id))
    async with store.read() as session:
        pairs = (
            await session.execute(select(EventRow.category, EventRow.action).where(and_(True, *where)).distinct())
        ).all()
    return sorted({p[0] for p in pairs}), sorted({p[1] for p in pairs})


async def set_status(store: Store, ids: Sequence[str], status: str, *, now: datetime) -> list[dict[str, Any]]:
    """Set the status of the events `ids`; returns the updated rows (missing ids are skipped)."""
    if not ids:
        return []
    async with store.write() as session:
        # A status is any status word, so the rows change from one of several statuses: one update
        # per previous status, each of which moves its own rows' counts (the status condition makes
        # the previous status certain, whatever a concurrent writer did in between).
        previous = (
            (
                await session.execute(
                    select(EventRow.status).where(EventRow.id.in_(list(ids)), EventRow.status != status).distinct()
                )
            )
            .scalars()
            .all()
        )
        deltas: Counter[tuple[str, str, str, str, str]] = Counter()
        for old in previous:
            changed = await session.execute(
                update(EventRow)
                .where(EventRow.id.in_(list(ids)), EventRow.status == old)
                .values(status=status, updated_at=now)
                .returning(EventRow.user_id, EventRow.category, EventRow.action, EventRow.severity)
                .execution_options(synchronize_session=False)
            )
            for user_id, category, action, severity in changed.all():
                deltas[_count_key(user_id, category, action, severity, status)] += 1
                deltas[_count_key(user_id, category, action, severity, old)] -= 1
        await _adjust_counts(session, deltas)
        rows = (await session.execute(select(EventRow).where(EventRow.id.in_(list(ids))))).scalars().all()
        return [_as_dict(r) for r in rows]


async def delete_events(store: Store, ids: Sequence[str]) -> list[str]:
    """Delete the events `ids`; returns the ids that existed."""
    if not ids:
        return []
    async with store.write() as session:
        removed = (
            await session.execute(
                delete(EventRow)
                .where(EventRow.id.in_(list(ids)))
                .returning(
                    EventRow.id,
                    EventRow.user_id,
                    EventRow.category,
                    EventRow.action,
                    EventRow.severity,
                    EventRow.status,
                )
                .execution_options(synchronize_session=False)
            )
        ).all()
        deltas: Counter[tuple[str, str, str, str, str]] = Counter()
        for _, user_id, category, action, severity, status in removed:
            deltas[_count_key(user_id, category, action, severity, status)] -= 1
        await _adjust_counts(session, deltas)
        return [str(row[0]) for row in removed]


async def get_setting(store: Store, key: str) -> str | None:
    async with store.read() as session:
        row = await session.get(SystemSetting, key)
        return None if row is None else row.value


async def put_setting(store: Store, key: str, value: str, *, now: datetime) -> None:
    """Create or replace one server-wide setting (shared by every replica)."""
    for _attempt in range(2):
        try:
            async with store.write() as session:
                updated = await session.execute(
                    update(SystemSetting).where(SystemSetting.key == key).values(value=value, updated_at=now)
                )
                if not updated.rowcount:  # type: ignore[attr-defined]
                    session.add(SystemSetting(key=key, value=value, updated_at=now))
            return
        except IntegrityError:
            continue  # another replica inserted the key between our update and insert: update it
