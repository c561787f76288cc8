"""System service: version facts, readiness and the database summary page."""

from __future__ import annotations

from dataclasses import dataclass

from generated import errors
from meshery.config import Settings
from meshery.context import RequestContext, Services
from meshery.providers.base import BaseProvider
from meshery.providers.local import LOCAL_NAME, LocalProvider
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


ADMIN_ROLE = "admin"  # the role (in the provider profile's ``role_names``) a remote user needs to reset


async def require_admin(ctx: RequestContext) -> None:
    """Return when the request's user is an administrator, else ErrAdminRequired (403).

    The local provider's user is one; a remote provider's user is one when the provider's
    profile of them lists ``admin`` in ``role_names`` (upstream's profile field).
    """
    user = ctx.require_user()
    provider = ctx.provider_impl
    if isinstance(provider, LocalProvider) or (provider is None and user.provider == LOCAL_NAME):
        return
    roles: object = None
    if isinstance(provider, BaseProvider):
        roles = (await provider.user_details(user, ctx.credentials)).get("role_names")
    if isinstance(roles, list) and ADMIN_ROLE in roles:
        return
    raise errors.ErrAdminRequired(f"user {user.user_id} has no {ADMIN_ROLE!r} role")


async def reset_database(ctx: RequestContext) -> list[str]:
    """Empty every user's data: administrators only."""
    await require_admin(ctx)
    return await store_system.reset(ctx.services.store)
