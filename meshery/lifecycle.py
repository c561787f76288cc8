"""Start and stop the server's long-lived parts, in one place.

Order: store (no connection yet), bus, then the database: when it answers at
start-up it is migrated before the server accepts requests (a failing
migration stops start-up); when it does not answer yet, the server starts
anyway, reports not-ready on /healthz/ready and keeps retrying with backoff,
so an orchestrator can start the database and the server in any order.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time

from generated import errors
from meshery import bus as bus_module
from meshery.adapters import service as adapters
from meshery.config import Settings
from meshery.context import Services
from meshery.meshsync import manager as meshsync_manager
from meshery.observability import metrics
from meshery.registry import service as registry_service
from meshery.store import Store, migrate, system
from meshery.store.engine import database_url

log = logging.getLogger(__name__)

RETRY_FIRST = 0.5
REGISTRY_IMPORT = "registry-import"  # name of the start-up import task (tests wait for it)
RETRY_MAX = 10.0


async def _prepare_database(services: Services, started: float) -> None:
    """Migrate and load the instance id; marks the store ready."""
    await migrate.migrate(services.store)
    services.instance_id = await system.instance_id(services.store)
    await adapters.load_saved(services)
    # The registry imports in the background: readiness does not wait for it.
    services.background.append(asyncio.create_task(registry_service.startup_import(services), name=REGISTRY_IMPORT))
    await services.kube.start()
    log.info(
        "ready in %.0f ms (instance %s, database %s, bus %s)",
        (time.perf_counter() - started) * 1000,
        services.instance_id,
        services.store.dialect,
        "nats" if services.settings.nats_url else "in-process",
    )


async def _wait_for_database(services: Services, started: float) -> None:
    delay, attempt = RETRY_FIRST, 1
    while True:
        await asyncio.sleep(delay)
        attempt += 1
        if await services.store.ping():
            try:
                await _prepare_database(services, started)
            except Exception:
                log.exception("database reachable but not usable; the server stays not-ready")
            return
        log.warning(
            "database %s still unreachable (attempt %d); retrying in %.1f s",
            services.store.display_url,
            attempt,
            min(delay * 2, RETRY_MAX),
        )
        delay = min(delay * 2, RETRY_MAX)


async def _log_bus_status(services: Services) -> None:
    """Log every change of the broker connection, with the catalogued code when it is lost."""
    previous: bool | None = None
    async for connected in services.bus.watch_status():
        if connected and previous is False:
            log.info("message bus reconnected")
        elif not connected and services.settings.nats_url:
            err = errors.ErrBusUnavailable(f"NATS at {services.settings.nats_url} is not connected")
            log.warning("%s: %s", err.code, err.message)
        previous = connected


async def start_services(settings: Settings) -> Services:
    started = time.perf_counter()
    settings.user_data_folder.mkdir(parents=True, exist_ok=True)
    store = Store(database_url(settings.database_url, settings.sqlite_path))
    log.info("database: %s", store.display_url)
    bus = bus_module.create_bus(nats_url=settings.nats_url or None, name="meshery-server")
    await bus.start()
    services = Services(settings=settings, store=store, bus=bus)
    services.kube = meshsync_manager.KubeRuntime(services)
    services.background.append(asyncio.create_task(_log_bus_status(services)))
    services.background.append(asyncio.create_task(metrics.watch_loop_lag(), name="event-loop-lag"))  # /metrics
    await adapters.start(services)
    if await store.ping():
        await _prepare_database(services, started)
    else:
        log.warning("database %s unreachable at start-up; serving as not-ready and retrying", store.display_url)
        services.background.append(asyncio.create_task(_wait_for_database(services, started)))
    return services


async def stop_services(services: Services) -> None:
    await adapters.stop(services)
    await services.kube.stop()
    for task in services.background:
        task.cancel()
    for task in services.background:
        with contextlib.suppress(asyncio.CancelledError):
            await task
    await services.bus.stop()
    await services.store.dispose()
