"""Every metric the server exports at ``/metrics``, in one Prometheus registry.

The server's own registry (not the client library's global one), so that tests and embedders
can build several apps in one process. ``ON`` is false while ``METRICS_ACCESS=off``: every
``record``-style function below returns at once then, so nothing is counted and nothing costs.

Names follow Prometheus conventions (``_total`` is added to counters by the client library,
``_seconds`` for durations). Label values are bounded: operationIds and GraphQL operation
names come from the spec and the clients' documents, subjects are the server's constants.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from prometheus_client import (
    GC_COLLECTOR,
    PLATFORM_COLLECTOR,
    PROCESS_COLLECTOR,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.metrics_core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from meshery.observability.tally import RequestTally

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
LAG_INTERVAL = 0.5

ON = True
"""False while metrics are off (``METRICS_ACCESS=off``); every recording function reads it first."""

REGISTRY = CollectorRegistry(auto_describe=True)
for _standard in (PROCESS_COLLECTOR, PLATFORM_COLLECTOR, GC_COLLECTOR):
    # The process, Python and GC collectors the client library registers globally, here too.
    REGISTRY.register(_standard)

REQUESTS = RequestTally(
    requests="meshery_http_requests",
    requests_help="REST requests answered, by operationId, method and HTTP status.",
    seconds="meshery_http_request_duration_seconds",
    seconds_help="Time from a REST request's arrival to the end of its answer, by operationId and HTTP status.",
    buckets=LATENCY_BUCKETS,
)
REGISTRY.register(REQUESTS)
GRAPHQL = Counter(
    "meshery_graphql_operations",
    "GraphQL operations executed (HTTP and WebSocket), by type, name and outcome (ok or error).",
    ["type", "name", "outcome"],
    registry=REGISTRY,
)
GRAPHQL_SECONDS = Histogram(
    "meshery_graphql_operation_duration_seconds",
    "Execution time of GraphQL queries and mutations, by type and name.",
    ["type", "name"],
    buckets=LATENCY_BUCKETS,
    registry=REGISTRY,
)
SSE_CLIENTS = Gauge("meshery_sse_clients", "Server-sent event streams open now.", registry=REGISTRY)
WEBSOCKET_CLIENTS = Gauge("meshery_websocket_clients", "GraphQL WebSocket connections open now.", registry=REGISTRY)
BUS_PUBLISHED = Counter(
    "meshery_bus_messages_published", "Messages published on the bus, by subject.", ["subject"], registry=REGISTRY
)
BUS_RECEIVED = Counter(
    "meshery_bus_messages_received",
    "Messages taken from bus subscriptions, by subscribed subject (pattern).",
    ["subject"],
    registry=REGISTRY,
)
MESHSYNC_OBJECTS = Counter(
    "meshery_meshsync_objects_ingested",
    "Kubernetes objects MeshSync stored, by change (stored or deleted).",
    ["change"],
    registry=REGISTRY,
)
REGISTRY_PACKAGES = Gauge(
    "meshery_registry_import_packages",
    "Model packages of the running (or last) registry import: found (total) and dealt with (done).",
    ["state"],
    registry=REGISTRY,
)
REGISTRY_COMPONENTS = Counter(
    "meshery_registry_imported_components",
    "Components registry imports stored since the server started.",
    registry=REGISTRY,
)
REGISTRY_RUNNING = Gauge("meshery_registry_import_running", "1 while a registry import runs.", registry=REGISTRY)
LOOP_LAG = Gauge(
    "meshery_event_loop_lag_seconds",
    f"How late the event loop ran a timer due every {LAG_INTERVAL} s, at the last tick.",
    registry=REGISTRY,
)
LOOP_LAG_SECONDS = Histogram(
    "meshery_event_loop_lag_distribution_seconds",
    "How late the event loop ran its timer, every tick.",
    buckets=(0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0),
    registry=REGISTRY,
)

PoolProbe = Callable[[Any], Mapping[str, int]]


class PoolCollector(Collector):
    """``meshery_db_pool_connections{database, state}`` read from each live store's pool at scrape time."""

    def __init__(self) -> None:
        self.stores: weakref.WeakKeyDictionary[Any, tuple[str, PoolProbe]] = weakref.WeakKeyDictionary()

    def collect(self) -> Iterable[Metric]:
        family = GaugeMetricFamily(
            "meshery_db_pool_connections",
            "Database connections of the pool: in use (checked out), idle, and the pool's size.",
            labels=["database", "state"],
        )
        totals: dict[tuple[str, str], int] = {}
        for owner, (database, probe) in list(self.stores.items()):
            for state, value in probe(owner).items():
                totals[(database, state)] = totals.get((database, state), 0) + value
        for (database, state), value in sorted(totals.items()):
            family.add_metric([database, state], value)
        yield family


POOLS = PoolCollector()
REGISTRY.register(POOLS)


ACCESS = "public"
"""Who may read ``/metrics``: ``public``, ``session`` or ``off`` (``METRICS_ACCESS``)."""


def enable(access: str) -> None:
    """Collect (``public``, ``session``) or not (``off``), and serve ``/metrics`` accordingly."""
    global ON, ACCESS
    ACCESS, ON = access, access != "off"


def exposition() -> bytes:
    """The registry in the Prometheus text format."""
    return generate_latest(REGISTRY)


request_done = REQUESTS.add
"""Count one request and time it: ``(operation, method, status, seconds)``, seconds None for an event stream."""


def graphql_done(kind: str, name: str, *, ok: bool, seconds: float | None) -> None:
    if not ON:
        return
    GRAPHQL.labels(kind, name, "ok" if ok else "error").inc()
    if seconds is not None:
        GRAPHQL_SECONDS.labels(kind, name).observe(seconds)


def clients(gauge: Gauge, delta: int) -> None:
    """An SSE stream or WebSocket opened (+1) or closed (-1)."""
    if ON:
        gauge.inc(delta)


def published(subject: str) -> None:
    if ON:
        BUS_PUBLISHED.labels(subject).inc()


def received(subject: str) -> None:
    if ON:
        BUS_RECEIVED.labels(subject).inc()


def meshsync_ingested(summaries: Sequence[Mapping[str, Any]]) -> None:
    """A batch of MeshSync changes written (one summary each, ``type`` DELETED for deletions)."""
    if ON:
        deleted = sum(1 for s in summaries if s.get("type") == "DELETED")
        if len(summaries) > deleted:
            MESHSYNC_OBJECTS.labels("stored").inc(len(summaries) - deleted)
        if deleted:
            MESHSYNC_OBJECTS.labels("deleted").inc(deleted)


def registry_progress(*, done: int | None, total: int, running: bool = True) -> None:
    """The running registry import has read ``done`` of ``total`` packages (None: unchanged)."""
    if ON:
        REGISTRY_PACKAGES.labels("total").set(total)
        if done is not None:
            REGISTRY_PACKAGES.labels("done").set(done)
        REGISTRY_RUNNING.set(1 if running else 0)


def registry_components(count: int) -> None:
    """Components imported by the running registry import so far."""
    if ON:
        REGISTRY_COMPONENTS.inc(count)


def watch_pool(owner: Any, database: str, probe: PoolProbe) -> None:
    """Report ``probe(owner)`` (state -> connections) while ``owner`` (a store) lives."""
    POOLS.stores[owner] = (database, probe)


async def watch_loop_lag(interval: float = LAG_INTERVAL) -> None:
    """Measure, forever, how late the running loop wakes a timer (a blocked loop shows here)."""
    loop = asyncio.get_running_loop()
    while True:
        due = loop.time() + interval
        await asyncio.sleep(interval)
        if ON:
            lag = max(0.0, loop.time() - due)
            LOOP_LAG.set(lag)
            LOOP_LAG_SECONDS.observe(lag)
