"""HTTP/1.1 requests served through the server's own uvicorn protocol, in process, without sockets.

``bench.inprocess.call`` hands the app a ready ASGI scope; a request over a socket also goes
through uvicorn: the HTTP parser, the scope and request cycle it builds, the task each request
runs in, the answer's encoding, the keep-alive and slow-client timers, and the proxy-headers
middleware uvicorn puts in front of the app. ``Wire`` runs exactly that path
(``meshery.serving``'s protocol class, ``uvicorn.Config.load``) over a transport that keeps
what is written, so the figures include the server's whole per-request path but no system
calls, no network and no load generator: repeatable in time and, under callgrind, in
instructions.

``connections`` protocol instances serve their requests concurrently on the one event loop
(each has one request in flight, as a keep-alive client without pipelining has).
"""

from __future__ import annotations

import asyncio
from typing import Any

import uvicorn
from uvicorn.server import ServerState

from meshery.serving import EnvelopeHttpToolsProtocol, protocol

CLIENT = ("127.0.0.1", 40000)
SERVER = ("127.0.0.1", 9081)


class KeptTransport(asyncio.Transport):
    """A transport writing into memory; ``answered`` is set once a whole answer was written."""

    def __init__(self, client: tuple[str, int]) -> None:
        super().__init__()
        self.written = bytearray()
        self.closing = False
        self.extra = {"peername": client, "sockname": SERVER}
        self.answered: asyncio.Future[bytes] | None = None
        self.expected = -1

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return self.extra.get(name, default)

    def write(self, data: bytes | bytearray | memoryview) -> None:
        self.written += data
        if self.expected < 0:
            head_end = self.written.find(b"\r\n\r\n")
            if head_end < 0:
                return
            length = 0
            for line in bytes(self.written[:head_end]).split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            self.expected = head_end + 4 + length
        if len(self.written) >= self.expected and self.answered is not None and not self.answered.done():
            self.answered.set_result(bytes(self.written[: self.expected]))

    def is_closing(self) -> bool:
        return self.closing

    def close(self) -> None:
        self.closing = True

    def pause_reading(self) -> None:
        pass

    def resume_reading(self) -> None:
        pass

    def set_protocol(self, protocol: asyncio.BaseProtocol) -> None:  # pragma: no cover (no upgrades here)
        raise RuntimeError("protocol upgrades are not served over the in-memory wire")


class Wire:
    """Connections to ``app`` through uvicorn's HTTP protocol as ``meshery-server`` configures it."""

    def __init__(self, app: Any, *, connections: int = 1) -> None:
        served_by = protocol(header_timeout=10, body_timeout=60)
        config = uvicorn.Config(app, log_config=None, access_log=False, http=served_by)
        config.load()
        self.state = ServerState()
        self.width = connections
        self.connections: list[tuple[EnvelopeHttpToolsProtocol, KeptTransport]] = []
        for n in range(connections):
            transport = KeptTransport((CLIENT[0], CLIENT[1] + n))
            served = served_by(config=config, server_state=self.state, app_state={})
            served.connection_made(transport)
            self.connections.append((served, transport))

    async def _one(self, n: int, request: bytes) -> bytes:
        served, transport = self.connections[n]
        transport.written.clear()
        transport.expected = -1
        answered = transport.answered = asyncio.get_running_loop().create_future()
        served.data_received(request)
        return bytes(await answered)

    async def get(self, path: str, *, headers: tuple[tuple[str, str], ...] = ()) -> list[bytes]:
        """One GET of ``path`` on every connection at once; their whole answers (raises unless all are 200)."""
        extra = "".join(f"{name}: {value}\r\n" for name, value in headers)
        request = f"GET {path} HTTP/1.1\r\nHost: bench\r\nUser-Agent: bench-wire\r\n{extra}\r\n".encode("latin-1")
        answers = await asyncio.gather(*(self._one(n, request) for n in range(len(self.connections))))
        for answer in answers:
            if not answer.startswith(b"HTTP/1.1 200 "):
                raise RuntimeError(f"GET {path} answered {answer[:200]!r}")
        return answers

    async def run(self, path: str, batches: int) -> None:
        """``batches`` GETs of ``path`` on every connection, then every request task finished."""
        for _ in range(batches):
            await self.get(path)
        await self.settle()

    async def settle(self) -> None:
        """Wait for the request tasks still finishing (their answers were written, their ends not run)."""
        while self.state.tasks:
            await asyncio.gather(*self.state.tasks)

    def close(self) -> None:
        for served, _transport in self.connections:
            served.connection_lost(None)


QUIETED = ("perf-scheduler", "event-loop-lag")
"""Background loops woken by a timer (the schedule tick, the event-loop lag probe): stopped by ``quiet``."""


async def quiet(app: Any) -> None:
    """After start-up: wait for the registry import and stop the timer-driven loops.

    What runs between two measured points is then only the requests' own work (and what they
    start), so instruction counts repeat from run to run; the variants compared all lose the
    same loops.
    """
    from meshery.lifecycle import REGISTRY_IMPORT

    services = app.state.meshery.services
    stopped = []
    for task in list(services.background):
        if task.get_name() == REGISTRY_IMPORT:
            await task
        elif task.get_name() in QUIETED:
            task.cancel()
            stopped.append(task)
    await asyncio.gather(*stopped, return_exceptions=True)
