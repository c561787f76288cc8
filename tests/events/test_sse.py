"""Live streams with real clients against a real uvicorn server in this process.

The server runs in the test's event loop so the tests can look into the hub (who is
subscribed) while driving it through sockets: SSE over HTTP/1.1 and GraphQL over
WebSocket.
"""

from __future__ import annotations

import asyncio
import json
import logging
import socket
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
import websockets

from meshery.app import create_app
from meshery.events import stream
from meshery.providers.local import LOCAL_USER_UUID
from tests.fixtures.app import app_settings
from tests.fixtures.server import free_port

SUBSCRIBE = "/api/system/events/subscribe"
GRAPHQL = "/api/system/graphql/query"
EVENT_FIELDS = "id userID actedUpon operationID systemID severity action status category description metadata createdAt"


class LiveServer:
    def __init__(self, server: uvicorn.Server, port: int) -> None:
        self.server = server
        self.url = f"http://127.0.0.1:{port}"
        self.ws_url = f"ws://127.0.0.1:{port}{GRAPHQL}"
        self.port = port

    @property
    def hub(self) -> stream.EventHub:
        services = self.server.config.app.state.meshery.services  # type: ignore[attr-defined]
        return stream.hub_for(services)

    async def raise_event(self, **fields: Any) -> dict[str, Any]:
        body = {"category": "test", "action": "raise", "description": "d", **fields}
        async with httpx.AsyncClient(base_url=self.url) as client:
            response = await client.post("/api/system/events", json=body)
        assert response.status_code == 201, response.text
        return response.json()  # type: ignore[no-any-return]

    async def wait_for_listeners(self, count: int) -> None:
        async with asyncio.timeout(5):
            while len(self.hub.listeners) != count:  # noqa: ASYNC110 - the hub offers no change signal
                await asyncio.sleep(0.01)


@pytest.fixture
async def live(tmp_path: Path) -> AsyncIterator[LiveServer]:
    port = free_port()
    app = create_app(app_settings(user_data_folder=tmp_path / "meshery"))
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, log_config=None, lifespan="on", timeout_graceful_shutdown=2
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    async with asyncio.timeout(10):
        while not server.started:  # noqa: ASYNC110 - uvicorn offers no start signal
            await asyncio.sleep(0.01)
    try:
        yield LiveServer(server, port)
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, 10)


async def _frames(response: httpx.Response) -> AsyncIterator[str]:
    """SSE frames (data lines or comments), each once its blank line arrived."""
    lines: list[str] = []
    async for line in response.aiter_lines():
        if line == "":
            if lines:
                yield "\n".join(lines)
            lines = []
        else:
            lines.append(line)


async def _ws_next(ws: Any) -> dict[str, Any]:
    while True:
        message = json.loads(await asyncio.wait_for(ws.recv(), 5))
        if message.get("type") not in ("ka", "ping", "pong"):
            return message  # type: ignore[no-any-return]


async def _graphql_subscribe(ws: Any, query: str) -> None:
    await ws.send(json.dumps({"type": "connection_init"}))
    assert (await _ws_next(ws))["type"] == "connection_ack"
    await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": query}}))


async def test_sse_headers_and_one_data_frame_per_event(live: LiveServer) -> None:
    async with httpx.AsyncClient(base_url=live.url, timeout=10) as client, client.stream("GET", SUBSCRIBE) as response:
        assert response.status_code == 200
        assert response.headers["content-type"] == "text/event-stream"
        assert response.headers["cache-control"] == "no-cache"
        assert response.headers["connection"] == "keep-alive"
        assert response.headers["x-accel-buffering"] == "no"
        frames = _frames(response)
        raised = [await live.raise_event(severity="error", metadata={"n": i}) for i in range(3)]
        received = [await asyncio.wait_for(anext(frames), 5) for _ in raised]
    assert all(frame.startswith("data: ") and "\n" not in frame for frame in received)
    assert [json.loads(frame[len("data: ") :]) for frame in received] == raised


async def test_sse_keepalive_comment(live: LiveServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(stream, "KEEPALIVE", 0.05)
    async with httpx.AsyncClient(base_url=live.url, timeout=10) as client, client.stream("GET", SUBSCRIBE) as response:
        frame = await asyncio.wait_for(anext(_frames(response)), 5)
    assert frame == ": keepalive"


async def test_graphql_subscribe_events(live: LiveServer) -> None:
    async with websockets.connect(live.ws_url, subprotocols=["graphql-transport-ws"]) as ws:
        await _graphql_subscribe(ws, f"subscription {{ subscribeEvents {{ {EVENT_FIELDS} }} }}")
        await live.wait_for_listeners(1)
        raised = await live.raise_event(severity="success", actedUpon="c0ffee", metadata={"a": [1]})
        message = await _ws_next(ws)
    assert message["type"] == "next"
    assert message["payload"]["data"]["subscribeEvents"] == {
        "id": raised["id"],
        "userID": LOCAL_USER_UUID,
        "actedUpon": "c0ffee",
        "operationID": raised["operationId"],
        "systemID": raised["systemId"],
        "severity": "success",
        "action": "raise",
        "status": "unread",
        "category": "test",
        "description": "d",
        "metadata": {"a": [1]},
        "createdAt": raised["createdAt"],
    }


async def test_sse_and_graphql_clients_are_removed_when_they_leave(live: LiveServer) -> None:
    async with httpx.AsyncClient(base_url=live.url, timeout=10) as client:
        async with client.stream("GET", SUBSCRIBE) as response:
            assert response.status_code == 200
            await live.wait_for_listeners(1)
            async with websockets.connect(live.ws_url, subprotocols=["graphql-transport-ws"]) as ws:
                await _graphql_subscribe(ws, "subscription { subscribeEvents { id } }")
                await live.wait_for_listeners(2)
            await live.wait_for_listeners(1)  # the WebSocket closed
        await live.wait_for_listeners(0)  # the SSE connection closed, without any event sent


async def test_graphql_complete_and_resubscribe_leave_no_listener_behind(live: LiveServer) -> None:
    async with websockets.connect(live.ws_url, subprotocols=["graphql-transport-ws"]) as ws:
        await _graphql_subscribe(ws, "subscription { subscribeEvents { id } }")
        await live.wait_for_listeners(1)
        for i in range(2, 12):
            await ws.send(json.dumps({"id": str(i - 1), "type": "complete"}))
            query = {"query": "subscription { subscribeEvents { id } }"}
            await ws.send(json.dumps({"id": str(i), "type": "subscribe", "payload": query}))
        await live.wait_for_listeners(1)
        raised = await live.raise_event()
        message = await _ws_next(ws)
        assert message["id"] == "11" and message["payload"]["data"]["subscribeEvents"]["id"] == raised["id"]
        await ws.send(json.dumps({"id": "11", "type": "complete"}))
        await live.wait_for_listeners(0)


async def test_client_that_never_reads_is_dropped_and_others_keep_up(
    live: LiveServer, caplog: pytest.LogCaptureFixture
) -> None:
    live.hub.max_pending = 8
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # before connecting: a small window
    sock.setblocking(False)
    await asyncio.get_running_loop().sock_connect(sock, ("127.0.0.1", live.port))
    _, stalled = await asyncio.open_connection(sock=sock)
    stalled.write(f"GET {SUBSCRIBE} HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n\r\n".encode())
    await stalled.drain()
    await live.wait_for_listeners(1)
    big = "x" * 60_000  # the stalled client's socket buffers fill after some of these
    async with httpx.AsyncClient(base_url=live.url, timeout=10) as client, client.stream("GET", SUBSCRIBE) as response:
        await live.wait_for_listeners(2)
        frames = _frames(response)
        with caplog.at_level(logging.WARNING):
            sent = 0
            while len(live.hub.listeners) == 2:
                assert sent < 400, "the stalled client was never dropped"
                raised = await live.raise_event(description=big)
                frame = await asyncio.wait_for(anext(frames), 5)
                assert json.loads(frame[len("data: ") :])["id"] == raised["id"]
                sent += 1
            # The reader goes on after the drop.
            raised = await live.raise_event(description="after")
            frame = await asyncio.wait_for(anext(frames), 5)
            assert json.loads(frame[len("data: ") :])["id"] == raised["id"]
    assert live.hub.dropped_clients == 1
    assert "meshery-server-1103" in caplog.text and "fell behind by 8 events" in caplog.text
    stalled.close()


async def test_invalid_graphql_selection_is_an_error_not_a_stream(live: LiveServer) -> None:
    async with websockets.connect(live.ws_url, subprotocols=["graphql-transport-ws"]) as ws:
        await _graphql_subscribe(ws, "subscription { subscribeEvents { nope } }")
        reply = await _ws_next(ws)
    assert reply["type"] == "error"
    assert not live.hub.listeners
