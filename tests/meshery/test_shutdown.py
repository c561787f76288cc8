"""A SIGTERM drains a server process: nothing it accepted is lost, and its clients move on cleanly.

What counts, as a load balancer sees it: a replica leaves the rotation when its readiness
probe stops answering 200 (as a Kubernetes Service's endpoints do). A request fails when it
gets any answer but 200, when its answer is cut, or when it gets no answer from a replica
that accepted the connection ("closed before an answer", which would be a dropped request).
Only a refused connection (the request never reached the server) is retried on the other
replica, as a load balancer retries a connect failure.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import signal
import socket
from collections import Counter
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field

import httpx
import pytest
import websockets

from generated import errors
from tests.fixtures.nats import NatsServer
from tests.fixtures.postgres import Postgres
from tests.fixtures.server import ServerProcess

GRAPHQL = "/api/system/graphql/query"
SUBSCRIBE = "/api/system/events/subscribe"
PROVIDERS = "/api/providers/stream"
PATHS = ("/api/system/version", "/api/system/events?page=0&pagesize=5")  # no database, and a database read
PROBE_INTERVAL = 0.1
WORKERS = 4
#: Not a timing assertion: a bound after which a wait is reported as a failure instead of hanging.
PATIENCE = 60.0


def _refuses_connections(server: ServerProcess) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", server.port), timeout=1):
            return False
    except ConnectionRefusedError:
        return True


async def _until(condition: Callable[[], bool], what: str) -> None:
    """Poll until ``condition`` holds (processes and sockets give no change signal)."""
    try:
        async with asyncio.timeout(PATIENCE):
            while not condition():  # noqa: ASYNC110 - a process or socket state, polled
                await asyncio.sleep(0.02)
    except TimeoutError:
        raise AssertionError(f"waited {PATIENCE} s for {what}") from None


@dataclass
class Balancer:
    """Round-robin over the replicas in rotation; a replica whose readiness is not 200 leaves it."""

    servers: list[ServerProcess]
    in_rotation: list[ServerProcess] = field(default_factory=list)
    answered: Counter[tuple[int, str]] = field(default_factory=Counter)  # (port, phase) -> 200 answers
    failures: list[str] = field(default_factory=list)
    refused: int = 0
    readiness: dict[int, list[tuple[int, str]]] = field(default_factory=dict)
    phase: str = "before"
    _turn: Iterator[int] = field(default_factory=itertools.count)

    def __post_init__(self) -> None:
        self.in_rotation = list(self.servers)
        self.clients = {s.port: httpx.AsyncClient(base_url=s.url, timeout=30) for s in self.servers}

    async def close(self) -> None:
        for client in self.clients.values():
            await client.aclose()

    async def probe(self, stop: asyncio.Event) -> None:
        async with httpx.AsyncClient(timeout=1) as client:
            while not stop.is_set():
                for server in list(self.in_rotation):
                    try:
                        answer = await client.get(f"{server.url}/healthz/ready")
                        status = answer.status_code
                        code = answer.json().get("code", "") if status != 200 else ""
                    except httpx.TransportError:
                        status, code = 0, ""
                    self.readiness.setdefault(server.port, []).append((status, code))
                    if status != 200:
                        self.in_rotation.remove(server)
                await asyncio.sleep(PROBE_INTERVAL)

    async def send(self, path: str) -> None:
        for _ in range(len(self.servers)):
            if not self.in_rotation:
                self.failures.append(f"{path}: no replica in rotation")
                return
            server = self.in_rotation[next(self._turn) % len(self.in_rotation)]
            try:
                answer = await self.clients[server.port].get(path)
            except httpx.ConnectError:
                self.refused += 1  # never reached the server: the balancer tries the next replica
                continue
            except httpx.HTTPError as exc:
                self.failures.append(f"{path} on {server.port} ({self.phase}): {type(exc).__name__}: {exc}")
                return
            if answer.status_code != 200:
                self.failures.append(
                    f"{path} on {server.port} ({self.phase}): {answer.status_code} {answer.text[:200]}"
                )
            else:
                self.answered[(server.port, self.phase)] += 1
            return
        self.failures.append(f"{path}: every replica refused the connection")

    async def worker(self, stop: asyncio.Event, offset: int) -> None:
        for n in itertools.count(offset):
            if stop.is_set():
                return
            await self.send(PATHS[n % len(PATHS)])


@pytest.fixture
def replicas(
    postgres_server: Postgres, nats_server: NatsServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[list[ServerProcess]]:
    database = postgres_server.create_database()
    env = {
        "DATABASE_URL": postgres_server.url(database),
        "NATS_URL": nats_server.url,
        "SHUTDOWN_DRAIN_DELAY": "1.5",
        "SHUTDOWN_GRACE_PERIOD": "20",
    }
    servers = [ServerProcess(workdir=tmp_path_factory.mktemp("replica"), env=env) for _ in range(2)]
    try:
        for server in servers:
            server.start_background()
        for server in servers:
            server.wait_ready(timeout=60)
        yield servers
    finally:
        for server in servers:
            server.stop()
        postgres_server.drop_database(database)


@pytest.mark.postgres
@pytest.mark.nats
async def test_a_replica_stopped_under_load_loses_no_request(replicas: list[ServerProcess]) -> None:
    draining, staying = replicas
    assert draining.process is not None
    balancer = Balancer(replicas)
    stop, stop_probe = asyncio.Event(), asyncio.Event()
    prober = asyncio.create_task(balancer.probe(stop_probe))
    workers = [asyncio.create_task(balancer.worker(stop, n)) for n in range(WORKERS)]
    try:
        # Steady load on both replicas first.
        await _until(lambda: min(balancer.answered[(s.port, "before")] for s in replicas) >= 50, "load on both")
        balancer.phase = "draining"
        draining.process.send_signal(signal.SIGTERM)
        await _until(lambda: draining.process is None or draining.process.poll() is not None, "the replica exits")
        balancer.phase = "after"
        await _until(lambda: balancer.answered[(staying.port, "after")] >= 100, "load on the other replica")
    finally:
        stop.set()
        await asyncio.gather(*workers)
        stop_probe.set()
        await prober
        await balancer.close()

    print(f"answered: {dict(balancer.answered)}; refused: {balancer.refused}; failures: {len(balancer.failures)}")
    assert balancer.failures == []
    # The draining replica left the rotation through its readiness probe (503, the draining code),
    # before it stopped accepting: not even a connection was refused.
    statuses = balancer.readiness[draining.port]
    assert statuses[-1] == (503, errors.ErrServerDraining.code)
    assert draining not in balancer.in_rotation and staying in balancer.in_rotation
    assert balancer.refused == 0
    assert all(status == 200 for status, _ in balancer.readiness[staying.port])
    # Stopped by its own graceful path: uvicorn re-raises SIGTERM once it has shut down.
    assert draining.process is not None and draining.process.returncode == -signal.SIGTERM
    logs = draining.logs()
    assert "draining: /healthz/ready answers 503" in logs
    assert "Application shutdown complete" in logs
    assert "timeout graceful shutdown exceeded" not in logs


@dataclass
class Streams:
    sse_ended_cleanly: asyncio.Future[bool]
    providers_ended_cleanly: asyncio.Future[bool]
    ws_close_code: asyncio.Future[int | None]


async def _open_streams(server: ServerProcess) -> AsyncIterator[Streams]:
    loop = asyncio.get_running_loop()
    streams = Streams(loop.create_future(), loop.create_future(), loop.create_future())
    opened = [asyncio.Event(), asyncio.Event()]

    async def sse(path: str, accept: str, ended: asyncio.Future[bool], started: asyncio.Event) -> None:
        try:
            async with (
                httpx.AsyncClient(base_url=server.url, timeout=None) as client,
                client.stream("GET", path, headers={"accept": accept}) as response,
            ):
                assert response.status_code == 200
                started.set()
                async for _line in response.aiter_lines():
                    pass
            ended.set_result(True)  # the chunked body ended: a clean end
        except httpx.HTTPError:
            ended.set_result(False)

    async def ws() -> None:
        async with websockets.connect(server.ws_url + GRAPHQL, subprotocols=["graphql-transport-ws"]) as conn:
            await conn.send(json.dumps({"type": "connection_init"}))
            assert json.loads(await conn.recv())["type"] == "connection_ack"
            query = "subscription { subscribeEvents { id } }"
            await conn.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": query}}))
            try:
                async for _message in conn:
                    pass
            except websockets.ConnectionClosed:
                pass
            streams.ws_close_code.set_result(conn.close_code)

    tasks = [
        # The events stream (the hub's) and the provider list that follows changes (meshery.http's).
        asyncio.create_task(sse(SUBSCRIBE, "*/*", streams.sse_ended_cleanly, opened[0])),
        asyncio.create_task(sse(PROVIDERS, "text/event-stream", streams.providers_ended_cleanly, opened[1])),
        asyncio.create_task(ws()),
    ]
    for event in opened:
        await asyncio.wait_for(event.wait(), PATIENCE)
    try:
        yield streams
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


async def test_sigterm_serves_the_drain_delay_then_closes_streams_and_finishes_in_flight_requests(
    server_factory: type[ServerProcess],
) -> None:
    server = server_factory(env={"SHUTDOWN_DRAIN_DELAY": "3", "SHUTDOWN_GRACE_PERIOD": "30"})
    server.start()
    assert server.process is not None
    chunks: asyncio.Queue[bytes | None] = asyncio.Queue()

    async def body() -> AsyncIterator[bytes]:
        while (chunk := await chunks.get()) is not None:
            yield chunk

    document = json.dumps({"category": "test", "action": "raise", "description": "in flight"}).encode()
    async with httpx.AsyncClient(base_url=server.url, timeout=PATIENCE) as client:
        streams_cm = _open_streams(server)
        streams = await anext(streams_cm)
        try:
            # A request in flight: its headers and half its body are sent; the rest comes later.
            chunks.put_nowait(document[:20])
            upload = asyncio.create_task(
                client.post(
                    "/api/system/events",
                    content=body(),
                    # With its length announced: the server reads a chunked body as no body (400).
                    headers={"content-type": "application/json", "content-length": str(len(document))},
                )
            )
            # The port stays open for the 3 s drain delay: the server accepts this connection first.
            await _until(chunks.empty, "the first chunk leaves")
            server.process.send_signal(signal.SIGTERM)

            # Readiness fails at once, while everything else is still served during the drain delay.
            async with httpx.AsyncClient(base_url=server.url, timeout=5) as probe:
                ready = await probe.get("/healthz/ready")
                while ready.status_code == 200:
                    ready = await probe.get("/healthz/ready")
                assert ready.status_code == 503
                assert ready.json()["code"] == errors.ErrServerDraining.code
                assert (await probe.get("/api/system/version")).status_code == 200
                assert (await probe.get("/healthz/live")).status_code == 200

            # Then the SSE stream ends cleanly and the WebSocket is closed with 1012 (service restart).
            assert await asyncio.wait_for(streams.sse_ended_cleanly, PATIENCE) is True
            assert await asyncio.wait_for(streams.providers_ended_cleanly, PATIENCE) is True
            assert await asyncio.wait_for(streams.ws_close_code, PATIENCE) == 1012
            # The port stops accepting; the request in flight is still being answered.
            await _until(lambda: _refuses_connections(server), "the port closes")
            assert not upload.done()
            chunks.put_nowait(document[20:])
            chunks.put_nowait(None)
            answer = await upload
            assert answer.status_code == 201, answer.text
            assert answer.json()["description"] == "in flight"
        finally:
            await streams_cm.aclose()
    await _until(lambda: server.process is None or server.process.poll() is not None, "the server exits")
    assert server.process.returncode == -signal.SIGTERM
    logs = server.logs()
    # The events SSE client, the GraphQL subscription (a hub listener too) and the provider stream.
    assert "closed 3 event stream(s)" in logs
    assert "timeout graceful shutdown exceeded" not in logs
    assert "Application shutdown complete" in logs
