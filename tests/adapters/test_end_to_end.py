"""Processes end to end: a server whose ADAPTER_URLS adapter is down at start, comes up, relays an
operation's events to an SSE client, crashes mid-stream, and comes back as a legacy adapter.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx

from meshery.providers.local import LOCAL_USER_UUID
from tests.adapters.conftest import AdapterProcess
from tests.fixtures.server import ServerProcess, free_port


async def _health(http: httpx.AsyncClient, want: str, seconds: float = 15.0) -> dict[str, Any]:
    deadline = time.monotonic() + seconds
    adapter: dict[str, Any] = {}
    while time.monotonic() < deadline:
        [adapter] = (await http.get("/api/system/adapters")).json()
        if adapter["health"] == want:
            return adapter
        await asyncio.sleep(0.05)
    raise AssertionError(f"adapter never became {want}: {adapter}")


async def _operation_event(http: httpx.AsyncClient, lines: AsyncIterator[str], location: str) -> dict[str, Any]:
    """Run the echo operation and read the SSE stream until its event arrives."""
    response = await http.post(
        "/api/system/adapter/operation", data={"adapter": location, "query": "echo", "customBody": "e2e"}
    )
    assert response.status_code == 200, response.text
    operation_id = response.json()["operation_id"]

    async def find() -> dict[str, Any]:
        async for line in lines:
            if line.startswith("data: "):
                event: dict[str, Any] = json.loads(line[len("data: "):])
                if event.get("operationId") == operation_id:
                    return event
        raise AssertionError("the SSE stream ended")

    return await asyncio.wait_for(find(), 10)


async def test_adapter_lifecycle_through_sse(
    server_factory: type[ServerProcess], adapter_process: Callable[..., AdapterProcess]
) -> None:
    port = free_port()
    location = f"localhost:{port}"
    server = server_factory(env={"ADAPTER_URLS": location})
    server.start()
    async with httpx.AsyncClient(base_url=server.url, timeout=10) as http:
        down = await _health(http, "down")  # nothing listens yet
        assert down["adapter_location"] == location and down["error"]

        adapter = adapter_process(port)
        adapter.start()
        up = await _health(http, "up")
        assert (up["name"], up["service"]) == ("meshery-sample", "AdapterService")

        async with http.stream("GET", "/api/system/events/subscribe", timeout=None) as sse:
            assert sse.status_code == 200
            assert sse.headers["content-type"].startswith("text/event-stream")
            lines = sse.aiter_lines()
            event = await _operation_event(http, lines, location)
            assert (event["description"], event["metadata"]["details"]) == ("Echo", "e2e")
            assert event["category"] == "sample" and event["owner"] == LOCAL_USER_UUID

            adapter.kill()  # crashes while the server holds the adapter's event stream open
            await _health(http, "down")

            legacy = adapter_process(port, "MeshService")
            legacy.start()
            back = await _health(http, "up")
            assert back["service"] == "MeshService"
            event = await _operation_event(http, lines, location)
            assert event["metadata"]["adapter"]["location"] == location
