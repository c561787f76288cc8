"""Start and stop the server's long-lived parts, in one place.

Order: store (no connection yet), bus, then the database: when it answers at
start-up it is migrated before the server accepts requests (a failing
migration stops start-up); when it does not answer yet, the server starts
anyway, reports not-ready on /healthz/ready and keeps retrying with backoff,
so an orchestrator can start the database and the server in any order.

Graceful stop (driven by ``meshery.serving.DrainingServer``): ``begin_drain`` makes
readiness answer 503 at once; ``close_streams`` ends the SSE event streams cleanly once the
drain delay is over; ``stop_services`` then stops MeshSync watches and adapters, flushes the
bus and closes the database, bounded by ``SHUTDOWN_GRACE_PERIOD``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time

from generated import errors
from meshery import bus as bus_module
from meshery import fetch, http
from meshery.adapters import service as adapters
from meshery.config import Settings
from meshery.context import Services
from meshery.events import stream as event_stream
from meshery.meshsync import manager as meshsync_manager
from meshery.observability import metrics
from meshery.perf import runs as perf_runs
from meshery.perf import schedules as perf_schedules
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
    services.background.append(asyncio.create_task(perf_schedules.run(services), name="perf-scheduler"))
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
    fetch.configure(fetch.Policy.parse(settings.url_fetch_allow, allow_only=settings.url_fetch_allow_only))
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


def begin_drain(services: Services) -> None:
    """From now on /healthz/ready answers 503; everything else is still served."""
    if not services.draining:
        services.draining = True
        log.info("draining: /healthz/ready answers 503 from now on")


async def close_streams(services: Services) -> int:
    """End every SSE event stream of this replica cleanly; returns how many were open.

    Each client gets the end of its chunked body (EventSource reconnects, through the load
    balancer, to another replica). GraphQL WebSockets are closed by the server itself when
    it stops accepting (close code 1012, service restart).
    """
    hub = event_stream.hub_for(services)
    listeners = list(hub.listeners)
    for listener in listeners:
        listener.close("the server is stopping")
    # The other SSE answers (provider list, controller status), built by ``meshery.http``.
    closed = len(listeners) + http.end_event_streams()
    if closed:
        log.info("closed %d event stream(s)", closed)
    return closed


async def _stop_politely(services: Services) -> None:
    await adapters.stop(services)
    await services.kube.stop()  # MeshSync watches and the operator consumer


async def stop_services(services: Services) -> None:
    services.draining = True
    try:
        async with asyncio.timeout(services.settings.shutdown_grace_period):
            await _stop_politely(services)
    except TimeoutError:
        err = errors.ErrShutdownIncomplete(
            f"adapters and MeshSync did not stop within {services.settings.shutdown_grace_period} s; cancelled"
        )
        log.error("%s: %s", err.code, err.message)
    await perf_runs.stop(services)  # load tests of this replica end (as cancelled)
    for task in services.background:
        task.cancel()
    for task in services.background:
        with contextlib.suppress(asyncio.CancelledError):
            await task
    await services.bus.stop()
    await services.store.dispose()
