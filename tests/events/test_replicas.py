"""Two server processes on one PostgreSQL and one NATS behave as one.

Events raised on either replica reach the SSE and GraphQL clients of both, exactly
once; writes made through one are read through the other; with NATS stopped, each
replica still stores and streams its own events, and fan-out resumes when NATS is back.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
import websockets

from tests.fixtures.nats import NatsServer
from tests.fixtures.postgres import Postgres
from tests.fixtures.server import ServerProcess

pytestmark = [pytest.mark.postgres, pytest.mark.nats]

SUBSCRIBE = "/api/system/events/subscribe"
GRAPHQL = "/api/system/graphql/query"


@pytest.fixture(scope="module")
def replicas(
    postgres_server: Postgres, nats_server: NatsServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[list[ServerProcess]]:
    """Two replicas for the whole module (starting them is the slow part); tests use unique data."""
    database = postgres_server.create_database()
    env = {"DATABASE_URL": postgres_server.url(database), "NATS_URL": nats_server.url}
    servers = [ServerProcess(workdir=tmp_path_factory.mktemp("replica"), env=env) for _ in range(2)]
    try:
        for server in servers:
            server.start_background()
        for server in servers:
            server.wait_ready()
        yield servers
    finally:
        for server in servers:
            server.stop()
        postgres_server.drop_database(database)


async def _raise(server: ServerProcess, description: str) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=server.url, timeout=10) as client:
        response = await client.post(
            "/api/system/events", json={"category": "test", "action": "raise", "description": description}
        )
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


class SseClient:
    """Collects the events of one SSE stream in the background."""

    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []
        self.arrived = asyncio.Event()

    async def wait_for(self, event_id: str, timeout: float = 10) -> None:  # noqa: ASYNC109
        async with asyncio.timeout(timeout):
            while not any(e["id"] == event_id for e in self.events):
                self.arrived.clear()
                await self.arrived.wait()

    def ids(self) -> list[str]:
        return [e["id"] for e in self.events]


@asynccontextmanager
async def sse_client(server: ServerProcess) -> AsyncIterator[SseClient]:
    collected = SseClient()
    started = asyncio.Event()

    async def read() -> None:
        async with (
            httpx.AsyncClient(base_url=server.url, timeout=None) as client,
            client.stream("GET", SUBSCRIBE) as response,
        ):
            assert response.status_code == 200
            started.set()
            async for line in response.aiter_lines():
                if line.startswith("data: "):
                    collected.events.append(json.loads(line[len("data: ") :]))
                    collected.arrived.set()

    task = asyncio.create_task(read())
    try:
        await asyncio.wait_for(started.wait(), 10)
        yield collected
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


@asynccontextmanager
async def graphql_client(server: ServerProcess) -> AsyncIterator[SseClient]:
    collected = SseClient()
    async with websockets.connect(server.ws_url + GRAPHQL, subprotocols=["graphql-transport-ws"]) as ws:
        await ws.send(json.dumps({"type": "connection_init"}))
        assert json.loads(await ws.recv())["type"] == "connection_ack"
        await ws.send(
            json.dumps(
                {
                    "id": "1",
                    "type": "subscribe",
                    "payload": {"query": "subscription { subscribeEvents { id description } }"},
                }
            )
        )

        async def read() -> None:
            async for raw in ws:
                message = json.loads(raw)
                if message.get("type") == "next":
                    collected.events.append(message["payload"]["data"]["subscribeEvents"])
                    collected.arrived.set()

        task = asyncio.create_task(read())
        # The subscription is in place once an event raised afterwards arrives.
        probe = await _raise(server, "probe")
        await collected.wait_for(probe["id"])
        try:
            yield collected
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)


async def test_events_reach_every_client_of_every_replica_once(replicas: list[ServerProcess]) -> None:
    a, b = replicas
    async with sse_client(a) as sse_a, sse_client(b) as sse_b, graphql_client(a) as gql_a, graphql_client(b) as gql_b:
        raised = [await _raise(a, "on a"), await _raise(b, "on b"), await _raise(a, "on a again")]
        for client in (sse_a, sse_b, gql_a, gql_b):
            for event in raised:
                await client.wait_for(event["id"])
        await asyncio.sleep(0.3)  # room for a duplicate to show up
        for client in (sse_a, sse_b, gql_a, gql_b):
            ids = [i for i in client.ids() if i in {e["id"] for e in raised}]
            assert ids == [e["id"] for e in raised]
    assert {e["systemId"] for e in raised} == {raised[0]["systemId"]}  # one installation


async def test_writes_on_one_replica_are_read_on_the_other(replicas: list[ServerProcess]) -> None:
    a, b = replicas
    event = await _raise(a, "shared write")
    mine = {"search": "shared write"}
    async with httpx.AsyncClient(base_url=a.url) as on_a, httpx.AsyncClient(base_url=b.url) as on_b:
        listed = (await on_b.get("/api/system/events", params=mine)).json()
        assert [e["id"] for e in listed["events"]] == [event["id"]]
        assert (await on_a.put(f"/api/system/events/status/{event['id']}", json={"status": "read"})).status_code == 200
        assert (await on_b.get("/api/system/events", params={**mine, "status": "read"})).json()["total_count"] == 1
        assert (await on_b.put("/api/system/events/config", json={"debugMode": True})).status_code == 200
        assert (await on_a.get("/api/system/events/config")).json() == {"debugMode": True}
        assert (await on_a.put("/api/system/events/config", json={"debugMode": False})).status_code == 200
        assert (await on_b.delete(f"/api/system/events/{event['id']}")).status_code == 204
        assert (await on_a.delete(f"/api/system/events/{event['id']}")).status_code == 404


async def test_nats_outage_keeps_local_streams_and_fan_out_resumes(
    replicas: list[ServerProcess], nats_server: NatsServer
) -> None:
    a, b = replicas
    try:
        async with sse_client(a) as sse_a, sse_client(b) as sse_b:
            before = await _raise(a, "before")
            await sse_b.wait_for(before["id"])
            nats_server.stop()
            during = await _raise(a, "during the outage")  # stored, and streamed to a's own clients
            await sse_a.wait_for(during["id"])
            async with httpx.AsyncClient(base_url=b.url) as on_b:
                listed = (await on_b.get("/api/system/events", params={"search": "during the outage"})).json()
            assert [e["id"] for e in listed["events"]] == [during["id"]]
            nats_server.start()
            async with asyncio.timeout(20):
                while True:  # until both buses have reconnected and re-subscribed
                    after = await _raise(a, "after")
                    try:
                        await sse_b.wait_for(after["id"], timeout=0.5)
                        break
                    except TimeoutError:
                        continue
            await sse_a.wait_for(after["id"])
            assert during["id"] not in sse_b.ids()
            assert len(sse_a.ids()) == len(set(sse_a.ids()))
    finally:
        nats_server.start()
