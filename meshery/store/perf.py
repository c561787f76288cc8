"""Tables and repository of performance testing: profiles, results, schedules, SMP test configs.

Every row but a schedule claim belongs to a user (``user_id``; the ownership rules in
``meshery.store.ownership`` scope every statement). A claim (``perf_schedule_claims``) is the
row a replica inserts to take one due time of one schedule: its primary key (schedule, due
time) makes the insert succeed on exactly one replica, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Index, Integer, String, Text, and_, delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from meshery.store import paging, search
from meshery.store.base import Base
from meshery.store.engine import Store


def now() -> datetime:
    return datetime.now(UTC)


class PerfProfileRow(Base):
    """One performance profile (upstream ``performance_profiles``)."""

    __tablename__ = "perf_profiles"
    __table_args__ = (
        Index("ix_perf_profiles_user_id_updated_at", "user_id", "updated_at"),
        Index("ix_perf_profiles_schedule_id", "schedule_id"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(64), nullable=False)
    name: Mapped[str] = mapped_column(String(255), nullable=False)
    schedule_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    load_generators: Mapped[list[str]] = mapped_column(JSON, nullable=False)
    endpoints: Mapped[list[str]] = mapped_column(JSON, nullable=False)
    service_mesh: Mapped[str] = mapped_column(String(100), nullable=False)
    concurrent_request: Mapped[int] = mapped_column(Integer, nullable=False)
    qps: Mapped[int] = mapped_column(Integer, nullable=False)
    duration: Mapped[str] = mapped_column(String(32), nullable=False)
    request_headers: Mapped[str] = mapped_column(Text, nullable=False)
    request_cookies: Mapped[str] = mapped_column(Text, nullable=False)
    request_body: Mapped[str] = mapped_column(Text, nullable=False)
    content_type: Mapped[str] = mapped_column(String(255), nullable=False)
    meta: Mapped[dict[str, Any]] = mapped_column("metadata", JSON, nullable=False)
    last_run: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)


class PerfResultRow(Base):
    """One stored load-test result (upstream ``meshery_results``)."""

    __tablename__ = "perf_results"
    __table_args__ = (
        Index("ix_perf_results_user_id_test_start_time", "user_id", "test_start_time"),
        Index("ix_perf_results_profile_id", "profile_id"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(64), nullable=False)
    profile_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    name: Mapped[str] = mapped_column(String(255), nullable=False)
    mesh: Mapped[str] = mapped_column(String(255), nullable=False)
    test_id: Mapped[str] = mapped_column(String(64), nullable=False)
    runner_results: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    server_metrics: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    server_board_config: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    test_start_time: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)


class ScheduleRow(Base):
    """A cron schedule; ``checked_until`` is the last due time the schedulers have dealt with."""

    __tablename__ = "perf_schedules"
    __table_args__ = (Index("ix_perf_schedules_user_id_updated_at", "user_id", "updated_at"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(64), nullable=False)
    name: Mapped[str] = mapped_column(String(255), nullable=False)
    cron_expression: Mapped[str] = mapped_column(String(128), nullable=False)
    last_run: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    missed_runs: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    last_missed: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    checked_until: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)


class ScheduleClaimRow(Base):
    """One (schedule, due time) taken by one replica: the primary key makes the claim exclusive."""

    __tablename__ = "perf_schedule_claims"

    schedule_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), primary_key=True)
    replica: Mapped[str] = mapped_column(String(64), nullable=False)
    missed: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    claimed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)


class SmpConfigRow(Base):
    """A stored SMP test configuration (``/api/user/prefs/perf``)."""

    __tablename__ = "perf_test_configs"
    __table_args__ = (Index("ix_perf_test_configs_user_id_updated_at", "user_id", "updated_at"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(64), nullable=False)
    name: Mapped[str] = mapped_column(String(255), nullable=False)
    config: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)


@dataclass(frozen=True)
class PageQuery:
    page: int
    page_size: int
    search: str | None = None
    order: str | None = None


_ORDER_ALIASES = {**paging.ORDER_ALIASES, "lastRun": "last_run"}


def _orderable(model: Any) -> frozenset[str]:
    """A performance list may be ordered by any column of its table but ``metadata``."""
    return frozenset(model.__table__.c.keys()) - {"metadata"}


async def _page(
    store: Store, model: Any, conds: list[Any], query: PageQuery, default_order: str
) -> tuple[list[Any], int]:
    if query.search:
        conds = [*conds, search.condition(query.search, model.name)]
    where = and_(*conds) if conds else and_(True)
    async with store.read() as session:
        stmt = (
            select(model)
            .where(where)
            .order_by(
                *paging.order_by(
                    model, query.order, known=_orderable(model), aliases=_ORDER_ALIASES, default=default_order
                )
            )
            .offset(paging.offset(query.page, query.page_size))
            .limit(query.page_size)
        )
        rows = list((await session.execute(stmt)).scalars().all())
        total = (await session.execute(select(func.count()).select_from(model).where(where))).scalar_one()
    return rows, int(total)


# --- profiles ------------------------------------------------------------------------------------


async def list_profiles(store: Store, query: PageQuery) -> tuple[list[PerfProfileRow], int]:
    return await _page(store, PerfProfileRow, [], query, "updated_at")


async def get(store: Store, model: type[Any], row_id: str) -> Any:
    async with store.read() as session:
        return await session.get(model, row_id)


async def save(store: Store, row: Any) -> Any:
    """Insert or replace a row by id (the ownership rules refuse another user's id)."""
    async with store.write() as session:
        return await session.merge(row)


async def remove(store: Store, model: type[Any], row_id: str) -> Any:
    """Delete a row by id; the deleted row, or None when there was none (of the caller's)."""
    async with store.write() as session:
        row = await session.get(model, row_id)
        if row is None:
            return None
        await session.execute(delete(model).where(model.id == row_id))
        return row


async def result_counts(store: Store, profile_ids: Sequence[str]) -> dict[str, int]:
    if not profile_ids:
        return {}
    async with store.read() as session:
        rows = await session.execute(
            select(PerfResultRow.profile_id, func.count())
            .where(PerfResultRow.profile_id.in_(list(profile_ids)))
            .group_by(PerfResultRow.profile_id)
        )
        return {str(pid): int(n) for pid, n in rows.all()}


async def mark_run(store: Store, profile_id: str, when: datetime) -> None:
    async with store.write() as session:
        await session.execute(update(PerfProfileRow).where(PerfProfileRow.id == profile_id).values(last_run=when))


async def profiles_on_schedule(store: Store, schedule_id: str) -> list[PerfProfileRow]:
    async with store.read() as session:
        stmt = select(PerfProfileRow).where(PerfProfileRow.schedule_id == schedule_id)
        return list((await session.execute(stmt)).scalars().all())


# --- results -------------------------------------------------------------------------------------


async def list_results(
    store: Store,
    query: PageQuery,
    *,
    profile_id: str | None = None,
    start_from: datetime | None = None,
    start_to: datetime | None = None,
) -> tuple[list[PerfResultRow], int]:
    conds: list[Any] = []
    if profile_id is not None:
        conds.append(PerfResultRow.profile_id == profile_id)
    if start_from is not None:
        conds.append(PerfResultRow.test_start_time >= start_from)
    if start_to is not None:
        conds.append(PerfResultRow.test_start_time <= start_to)
    return await _page(store, PerfResultRow, conds, query, "test_start_time")


# --- schedules -----------------------------------------------------------------------------------


async def list_schedules(store: Store, query: PageQuery) -> tuple[list[ScheduleRow], int]:
    return await _page(store, ScheduleRow, [], query, "updated_at")


async def all_schedules(store: Store) -> list[ScheduleRow]:
    """Every schedule (the schedulers run without a user scope)."""
    async with store.read() as session:
        return list((await session.execute(select(ScheduleRow))).scalars().all())


async def claim(store: Store, *, schedule_id: str, due_at: datetime, replica: str, missed: int) -> bool:
    """Take one due time of a schedule for this replica; False when another replica has it."""
    try:
        async with store.write() as session:
            session.add(
                ScheduleClaimRow(
                    schedule_id=schedule_id, due_at=due_at, replica=replica, missed=missed, claimed_at=now()
                )
            )
    except IntegrityError:
        return False
    return True


async def advance(
    store: Store,
    schedule_id: str,
    *,
    checked_until: datetime,
    ran: datetime | None,
    missed: int,
    last_missed: datetime | None,
) -> None:
    """Record that a schedule was dealt with up to ``checked_until`` (a run started, runs missed)."""
    values: dict[str, Any] = {"checked_until": checked_until}
    if ran is not None:
        values["last_run"] = ran
    if missed:
        values["missed_runs"] = ScheduleRow.missed_runs + missed
        values["last_missed"] = last_missed
    async with store.write() as session:
        await session.execute(
            update(ScheduleRow)
            .where(ScheduleRow.id == schedule_id, ScheduleRow.checked_until < checked_until)
            .values(values)
        )


async def forget_claims(store: Store, schedule_id: str) -> None:
    async with store.write() as session:
        await session.execute(delete(ScheduleClaimRow).where(ScheduleClaimRow.schedule_id == schedule_id))


# --- SMP test configurations ----------------------------------------------------------------------


async def list_test_configs(store: Store, query: PageQuery) -> tuple[list[SmpConfigRow], int]:
    return await _page(store, SmpConfigRow, [], query, "updated_at")
