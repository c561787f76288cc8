"""Table and repository of stored designs (upstream ``meshery_patterns``, the ``MesheryPattern`` record).

A row holds the design document as text (``pattern_file``, YAML), the format it came from
(``source_type``: Design, Kubernetes Manifest, Helm Chart, Docker Compose), the original artifact
(``source_content``), who owns it and who may read it (``visibility``), and the counters upstream
keeps (views, downloads, clones, deployments, shares).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    DateTime,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    and_,
    delete,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, defer, mapped_column

from meshery.store import paging, search
from meshery.store.base import Base
from meshery.store.engine import Store

COUNTERS = ("view_count", "download_count", "clone_count", "deployment_count", "share_count")
# Readable by every user; "private" designs only by their owner.
SHARED_VISIBILITIES = ("public", "published")


def now() -> datetime:
    return datetime.now(UTC)


class PatternRow(Base):
    """One stored design."""

    __tablename__ = "meshery_patterns"
    __table_args__ = (
        Index("ix_meshery_patterns_user_id_updated_at", "user_id", "updated_at", "id"),
        Index("ix_meshery_patterns_visibility_updated_at", "visibility", "updated_at", "id"),
        Index("ix_meshery_patterns_updated_at", "updated_at", "id"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(255), nullable=False)
    user_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    pattern_file: Mapped[str] = mapped_column(Text, nullable=False)
    source_type: Mapped[str] = mapped_column(String(64), nullable=False)
    source_content: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    visibility: Mapped[str] = mapped_column(String(16), nullable=False)
    location: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    catalog_data: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    view_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    download_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    clone_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    deployment_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    share_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)


@dataclass(frozen=True)
class DesignFilter:
    """Which designs a list shows; ``viewer`` sees their own and the shared ones."""

    viewer: str | None = None
    search: str | None = None
    visibilities: Sequence[str] = ()
    updated_after: datetime | None = None
    owner: str | None = None


_ORDER = {"name", "created_at", "updated_at", "visibility", "source_type"}
_ORDER_ALIASES = {**paging.ORDER_ALIASES, "designType": "source_type"}


def readable_by(viewer: str | None) -> Any:
    """The condition "this viewer may read the row": owned, or public/published."""
    shared = PatternRow.visibility.in_(SHARED_VISIBILITIES)
    return shared if viewer is None else or_(PatternRow.user_id == viewer, shared)


def _where(flt: DesignFilter) -> list[Any]:
    conds: list[Any] = [readable_by(flt.viewer)]
    if flt.owner is not None:
        conds.append(PatternRow.user_id == flt.owner)
    if flt.visibilities:
        conds.append(PatternRow.visibility.in_(list(flt.visibilities)))
    if flt.search:
        conds.append(search.condition(flt.search, PatternRow.name))
    if flt.updated_after is not None:
        conds.append(PatternRow.updated_at > flt.updated_after)
    return conds


def _sort(order: str | None) -> list[Any]:
    return paging.order_by(PatternRow, order, known=_ORDER, aliases=_ORDER_ALIASES)


async def get_design_row(session: AsyncSession, design_id: str) -> PatternRow | None:
    """The stored design with this id, whoever owns it (callers check visibility)."""
    return await session.get(PatternRow, design_id)


async def design_exists(session: AsyncSession, design_id: str) -> bool:
    found = await session.execute(select(PatternRow.id).where(PatternRow.id == design_id))
    return found.first() is not None


async def existing_ids(session: AsyncSession, ids: Sequence[str]) -> set[str]:
    """Which of these ids are stored designs."""
    wanted = list(dict.fromkeys(ids))
    found: set[str] = set()
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        rows = await session.execute(select(PatternRow.id).where(PatternRow.id.in_(chunk)))
        found.update(str(r) for r in rows.scalars())
    return found


async def list_designs(
    store: Store, flt: DesignFilter, *, page: int, page_size: int, order: str | None, populate: bool
) -> tuple[list[PatternRow], int]:
    """One page of readable designs and the total matching the filter.

    Without ``populate`` the design text is not read; the original artifact never is.
    """
    conds = _where(flt)
    stmt = select(PatternRow).where(and_(*conds)).options(defer(PatternRow.source_content))
    if not populate:
        stmt = stmt.options(defer(PatternRow.pattern_file))
    async with store.read() as session:
        rows = (
            (
                await session.execute(
                    stmt.order_by(*_sort(order)).offset(paging.offset(page, page_size)).limit(page_size)
                )
            )
            .scalars()
            .all()
        )
        total = (await session.execute(select(func.count()).select_from(PatternRow).where(and_(*conds)))).scalar_one()
    return list(rows), int(total)


async def read_design(store: Store, design_id: str) -> PatternRow | None:
    async with store.read() as session:
        return await get_design_row(session, design_id)


async def save_design(store: Store, row: PatternRow) -> PatternRow:
    """Insert or replace a design by id."""
    async with store.write() as session:
        merged = await session.merge(row)
    return merged


async def bump(store: Store, design_id: str, counter: str) -> None:
    """Add one to a counter (``view_count``, ``download_count``, ...) without touching updated_at."""
    if counter not in COUNTERS:
        raise ValueError(f"unknown counter {counter}")
    column = getattr(PatternRow, counter)
    async with store.write() as session:
        # Any reader of the design may count a view or a download (scoped as a read, see ownership).
        await session.execute(
            update(PatternRow).where(PatternRow.id == design_id).values({column: column + 1}),
            execution_options={"scope_as": "read"},
        )


async def delete_designs(store: Store, ids: Sequence[str], *, owner: str | None) -> list[PatternRow]:
    """Remove the given designs that ``owner`` owns (all of them when owner is None); returns what went."""
    wanted = list(dict.fromkeys(ids))
    if not wanted:
        return []
    async with store.write() as session:
        stmt = (
            select(PatternRow)
            .where(PatternRow.id.in_(wanted))
            .options(defer(PatternRow.pattern_file), defer(PatternRow.source_content))
        )
        if owner is not None:
            stmt = stmt.where(PatternRow.user_id == owner)
        rows = list((await session.execute(stmt)).scalars().all())
        if rows:
            await session.execute(delete(PatternRow).where(PatternRow.id.in_([r.id for r in rows])))
    return rows
