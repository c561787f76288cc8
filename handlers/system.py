"""API area "system": version, health probes, database summary and reset; broker state."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import asdict
from typing import Any

from generated import errors, models
from generated.handler_types import Paging
from meshery import context, http
from meshery import system as service


async def get_system_version() -> http.Answer:
    settings = context.current().services.settings
    return http.json(service.version(settings))


async def get_health_live() -> http.Answer:
    return http.text("ok")


async def get_health_ready() -> http.Answer:
    ctx = context.maybe_current()
    services = ctx.services if ctx is not None else None
    if services is None or not services.store.migrated:
        raise errors.ErrDatabaseNotReady("migrations have not finished")
    if not await service.ready(services):
        raise errors.ErrDatabaseUnavailable("the database does not answer")
    return http.text("ok")


async def get_system_database(*, paging: Paging) -> http.Answer:
    summary = await service.database_summary(
        context.current().services,
        page=paging.page,
        page_size=paging.page_size(10),
        search=paging.search,
        order=paging.order,
    )
    return http.json(summary)


async def reset_system_database() -> http.Answer:
    emptied = await service.reset_database(context.current().services)
    return http.json(models.Message(message=f"Database reset successful ({len(emptied)} tables emptied)"))


async def resolve_server_version() -> dict[str, Any]:
    return asdict(service.version(context.current().services.settings))


async def subscribe_broker_connection() -> AsyncIterator[bool]:
    async for connected in context.current().services.bus.watch_status():
        yield connected
