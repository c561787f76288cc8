"""System service: version facts, readiness and the database summary page."""

from __future__ import annotations

from dataclasses import dataclass

from meshery.config import Settings
from meshery.context import Services
from meshery.store import system as store_system
from meshery.store.system import TableCount


@dataclass(frozen=True, slots=True)
class Version:
    build: str
    commitsha: str
    release_channel: str
    latest: str
    outdated: bool


def _version_key(version: str) -> tuple[int, ...]:
    parts = []
    for piece in version.lstrip("vV").split("-")[0].split("."):
        parts.append(int(piece) if piece.isdigit() else 0)
    return tuple(parts)


def version(settings: Settings) -> Version:
    latest = settings.latest_version or settings.build
    return Version(
        build=settings.build,
        commitsha=settings.commitsha,
        release_channel=settings.release_channel,
        latest=latest,
        outdated=_version_key(latest) > _version_key(settings.build),
    )


async def ready(services: Services | None) -> bool:
    """True once the database is migrated and answers."""
    return services is not None and services.store.migrated and await services.store.ping()


@dataclass(frozen=True, slots=True)
class DatabasePage:
    page: int
    page_size: int
    total_tables: int
    record_count: int
    tables: list[TableCount]


async def database_summary(
    services: Services, *, page: int, page_size: int, search: str | None, order: str | None
) -> DatabasePage:
    tables = await store_system.table_counts(services.store)
    if search:
        needle = search.lower()
        tables = [t for t in tables if needle in t.name.lower()]
    field, _, direction = (order or "name").partition(" ")
    tables.sort(key=(lambda t: t.count) if field == "count" else (lambda t: t.name), reverse=direction == "desc")
    start = page * page_size
    return DatabasePage(
        page=page,
        page_size=page_size,
        total_tables=len(tables),
        record_count=sum(t.count for t in tables),
        tables=tables[start : start + page_size],
    )


async def reset_database(services: Services) -> list[str]:
    return await store_system.reset(services.store)
