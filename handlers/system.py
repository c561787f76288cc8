"""API area "system": version, health probes, database summary and reset; broker state."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import asdict
from typing import Any

from generated import errors, models
from generated.handler_types import Paging
from meshery import context, data_files, http
from meshery import system as service
from meshery.providers.base import BaseProvider


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
    if services.draining:
        raise errors.ErrServerDraining("the server is stopping; send new requests to another replica")
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
    emptied = await service.reset_database(context.current())
    return http.json(models.Message(message=f"Database reset successful ({len(emptied)} tables emptied)"))


async def resolve_server_version() -> dict[str, Any]:
    return asdict(service.version(context.current().services.settings))


async def subscribe_broker_connection() -> AsyncIterator[bool]:
    async for connected in context.current().services.bus.watch_status():
        yield connected


# --- files of the data folder, the provider extension's version --------------------------------


async def download_file(file: str) -> http.Raw:
    name, data = data_files.read(context.current().services.settings.user_data_folder, file)
    quoted = name.replace("\\", "_").replace('"', "_")
    return http.raw(
        data,
        media_type="application/octet-stream",
        headers={"Content-Disposition": f'attachment; filename="{quoted}"'},
    )


async def view_file(file: str) -> http.Raw:
    _name, data = data_files.read(context.current().services.settings.user_data_folder, file)
    return http.raw(data, media_type="text/plain")


LOCAL_EXTENSION_NOTICE = "extension not available for current provider"


async def get_extension_version() -> http.Answer:
    """A remote provider's ``package_version``; upstream's 200 notice with the local provider."""
    impl = context.current().provider_impl
    props = impl.properties() if isinstance(impl, BaseProvider) else {}
    if props.get("providerType") != "remote":
        return http.json(LOCAL_EXTENSION_NOTICE)
    # Upstream's ProviderProperties spells it package_version; providers written to the
    # capabilities document's camelCase send packageVersion.
    return http.json({"version": str(props.get("package_version") or props.get("packageVersion") or "")})
