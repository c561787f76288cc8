"""``GET /metrics``: the Prometheus text, parsed with the client library's parser, after real traffic.

Each check reads a counter before and after the traffic it counts (the registry lives as long as
the process). SSE and WebSocket counts are checked on the middleware with ASGI apps that look
at the gauge while their stream is open; ``METRICS_ACCESS`` modes through the route and handler.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from starlette.types import Message, Receive, Scope, Send

from generated import errors
from handlers import metrics as metrics_handler
from meshery.app import create_app
from meshery.observability import metrics
from meshery.observability.rest import Observer
from tests.fixtures.app import app_settings

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


@pytest.fixture(scope="module")
def database_backend() -> str:
    return "sqlite"


def parse(text: str) -> Samples:
    samples: Samples = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            samples[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return samples


async def scrape(client: httpx.AsyncClient) -> Samples:
    answer = await client.get("/metrics")
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8"
    return parse(answer.text)


def value(samples: Samples, metric: str, /, **labels: str) -> float:
    return samples.get((metric, frozenset(labels.items())), 0.0)


def labelled(samples: Samples, name: str) -> list[dict[str, str]]:
    return [dict(labels) for (found, labels) in samples if found == name]


async def test_requests_graphql_pool_lag_and_registry(client: httpx.AsyncClient) -> None:
    before = await scrape(client)
    for _ in range(2):
        assert (await client.get("/api/system/version")).status_code == 200
    assert (await client.get("/api/system/database")).status_code == 200
    assert (await client.get("/api/pattern/0b0e6d2c-2a8b-4a43-9a4b-1c3f2f0f3d11")).status_code == 404
    assert (await client.get("/api/no/such/route")).status_code == 404
    query = {"query": "query Counted { serverVersion { build } }"}
    assert (await client.post("/api/system/graphql/query", json=query)).status_code == 200
    bad = {"query": "query Broken { noSuchField }"}
    assert (await client.post("/api/system/graphql/query", json=bad)).status_code == 400
    await asyncio.sleep(metrics.LAG_INTERVAL * 1.5)  # one tick of the loop-lag timer
    after = await scrape(client)

    def delta(metric: str, /, **labels: str) -> float:
        return value(after, metric, **labels) - value(before, metric, **labels)

    requests = "meshery_http_requests_total"
    assert delta(requests, operation="getSystemVersion", method="GET", status="200") == 2
    assert delta(requests, operation="getSystemDatabase", method="GET", status="200") == 1
    assert delta(requests, operation="getPattern", method="GET", status="404") == 1
    assert delta(requests, operation="other", method="GET", status="404") == 1
    assert delta(requests, operation="graphql", method="POST", status="200") == 1
    assert delta(requests, operation="graphql", method="POST", status="400") == 1
    histogram = "meshery_http_request_duration_seconds_count"
    assert delta(histogram, operation="getSystemVersion", status="200") == 2
    assert (
        delta("meshery_http_request_duration_seconds_bucket", operation="getSystemVersion", status="200", le="+Inf")
        == 2
    )
    graphql = "meshery_graphql_operations_total"
    assert delta(graphql, type="query", name="Counted", outcome="ok") == 1
    assert delta(graphql, type="unknown", name="anonymous", outcome="error") == 1
    assert delta("meshery_graphql_operation_duration_seconds_count", type="query", name="Counted") == 1
    pool = {
        labels["state"] for labels in labelled(after, "meshery_db_pool_connections") if labels["database"] == "sqlite"
    }
    assert {"in_use", "idle", "size"} <= pool
    assert ("meshery_event_loop_lag_seconds", frozenset()) in after
    assert value(after, "meshery_event_loop_lag_distribution_seconds_count") > value(
        before, "meshery_event_loop_lag_distribution_seconds_count"
    )
    assert value(after, "process_cpu_seconds_total") > 0


async def test_registry_import_progress(rclient: httpx.AsyncClient) -> None:
    """The app of ``rclient`` imported the committed test packages at start: progress, then the end."""
    after = await scrape(rclient)
    total = value(after, "meshery_registry_import_packages", state="total")
    assert total > 0 and value(after, "meshery_registry_import_packages", state="done") == total
    assert value(after, "meshery_registry_import_running") == 0
    assert value(after, "meshery_registry_imported_components_total") > 0


async def test_bus_and_meshsync_after_a_connection(connection: str, client: httpx.AsyncClient) -> None:
    """Connecting the emulator starts MeshSync: objects are stored and changes published."""
    deadline = time.monotonic() + 15
    while True:
        samples = await scrape(client)
        stored = value(samples, "meshery_meshsync_objects_ingested_total", change="stored")
        changes = value(samples, "meshery_bus_messages_published_total", subject="meshery-server.meshsync.changes")
        if stored > 0 and changes > 0:
            break
        assert time.monotonic() < deadline, f"stored {stored}, change messages {changes}"
        await asyncio.sleep(0.2)
    assert value(samples, "meshery_bus_messages_published_total", subject="meshery-server.kubernetes.contexts") > 0
    assert not [
        labels
        for labels in labelled(samples, "meshery_bus_messages_received_total")
        if labels["subject"].startswith("_INBOX.")
    ]


async def run(app: Callable[[Scope, Receive, Send], Awaitable[None]], scope: Scope) -> list[Message]:
    sent: list[Message] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        sent.append(message)

    await Observer(app)(scope, receive, send)
    return sent


async def test_sse_and_websocket_clients_are_counted_while_open() -> None:
    seen: list[float] = []

    async def stream(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/event-stream")]})
        seen.append(metrics.SSE_CLIENTS._value.get())
        await send({"type": "http.response.body", "body": b"data: {}\n\n", "more_body": False})

    async def websocket(scope: Scope, receive: Receive, send: Send) -> None:
        seen.append(metrics.WEBSOCKET_CLIENTS._value.get())

    sse_before, ws_before = metrics.SSE_CLIENTS._value.get(), metrics.WEBSOCKET_CLIENTS._value.get()
    http = {"type": "http", "method": "GET", "path": "/api/system/events/subscribe", "headers": []}
    await run(stream, http)
    await run(websocket, {"type": "websocket", "path": "/api/system/graphql/query", "headers": []})
    assert seen == [sse_before + 1, ws_before + 1]
    assert metrics.SSE_CLIENTS._value.get() == sse_before
    assert metrics.WEBSOCKET_CLIENTS._value.get() == ws_before


async def test_metrics_off_answers_404_and_counts_nothing(tmp_path: Path) -> None:
    app = create_app(app_settings(user_data_folder=tmp_path / "meshery", metrics_access="off"))
    try:
        before = value(
            parse(metrics.exposition().decode()),
            "meshery_http_requests_total",
            operation="getSystemVersion",
            method="GET",
            status="200",
        )
        transport = httpx.ASGITransport(app=app)
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(transport=transport, base_url="http://meshery") as client,
        ):
            answer = await client.get("/metrics")
            assert (await client.get("/api/system/version")).status_code == 200
        assert answer.status_code == 404
        assert answer.json()["code"] == errors.ErrMetricsDisabled.code == "meshery-server-1810"
        after = value(
            parse(metrics.exposition().decode()),
            "meshery_http_requests_total",
            operation="getSystemVersion",
            method="GET",
            status="200",
        )
        assert after == before
    finally:
        metrics.enable("public")


async def test_session_access_needs_a_session() -> None:
    metrics.enable("session")
    try:
        with pytest.raises(errors.ErrUnauthenticated):
            await metrics_handler.get_metrics()  # no request context: no session
    finally:
        metrics.enable("public")
