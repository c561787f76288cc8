"""The two HTTP/1.1 keep-alive clients the load generator can drive: raw asyncio protocol and httpx.

Each keeps ``connections`` connections open and sends the next request on a connection as
soon as the previous answer is complete (a closed loop, as wrk does), until ``stop`` is set.

``raw`` is an ``asyncio.Protocol`` per connection that writes one pre-built request and parses
the answer with ``bytes.find`` (status line and Content-Length only: every server under test
is uvicorn, which frames these answers with Content-Length; an answer without it counts as an
error). Measured here it drives 10-12k req/s using about a fifth of a core, where httpx tops
out near 0.5-1.3k req/s on a whole core and leaves the server mostly idle; hence ``raw`` is the
default (see ``bench/README.md``) and ``httpx`` stays for cross-checking.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import cast
from urllib.parse import urlsplit

import httpx

from bench.recorder import Recorder

HEADER_END = b"\r\n\r\n"
CONTENT_LENGTH = b"\r\ncontent-length:"


@dataclass(frozen=True)
class Target:
    """One request, repeated: where to send it and what it says."""

    url: str
    method: str = "GET"
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def host(self) -> str:
        return urlsplit(self.url).hostname or "127.0.0.1"

    @property
    def port(self) -> int:
        return urlsplit(self.url).port or 80

    def raw_request(self) -> bytes:
        parts = urlsplit(self.url)
        path = parts.path or "/"
        if parts.query:
            path = f"{path}?{parts.query}"
        lines = [f"{self.method} {path} HTTP/1.1", f"Host: {parts.netloc}", "Accept: */*"]
        lines += [f"{name}: {value}" for name, value in self.headers.items()]
        if self.body or self.method in ("POST", "PUT", "PATCH"):
            lines.append(f"Content-Length: {len(self.body)}")
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + self.body


class _Connection(asyncio.Protocol):
    """One keep-alive connection with one request in flight at a time."""

    def __init__(self, request: bytes, recorder: Recorder, stop: asyncio.Event) -> None:
        self.request = request
        self.recorder = recorder
        self.stop = stop
        self.closed: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.transport: asyncio.Transport | None = None
        self.buffer = b""
        self.sent_ns = 0

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports implement asyncio.Transport without subclassing it.
        self.transport = cast(asyncio.Transport, transport)
        self._send()

    def _send(self) -> None:
        assert self.transport is not None
        self.sent_ns = time.perf_counter_ns()
        self.transport.write(self.request)

    def data_received(self, data: bytes) -> None:
        buffer = self.buffer + data if self.buffer else data
        end = buffer.find(HEADER_END)
        if end < 0:
            self.buffer = buffer
            return
        head = buffer[:end].lower()
        at = head.find(CONTENT_LENGTH)
        if at < 0:
            self._fail("no content-length")
            return
        stop = head.find(b"\r\n", at + 2)
        length = int(head[at + len(CONTENT_LENGTH) : stop if stop >= 0 else len(head)])
        if len(buffer) < end + 4 + length:
            self.buffer = buffer
            return
        self.recorder.response(int(head[9:12]), time.perf_counter_ns() - self.sent_ns)
        self.buffer = buffer[end + 4 + length :]
        if self.stop.is_set():
            self.close()
        else:
            self._send()

    def _fail(self, kind: str) -> None:
        self.recorder.error(kind)
        self.close()

    def close(self) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.close()

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.stop.is_set():
            self.recorder.error("connection lost")
        if not self.closed.done():
            self.closed.set_result(None)


async def _raw_connection(target: Target, request: bytes, *, recorder: Recorder, stop: asyncio.Event,
                          live: set[_Connection]) -> None:  # fmt: skip
    loop = asyncio.get_running_loop()
    while not stop.is_set():
        try:
            _transport, protocol = await loop.create_connection(
                lambda: _Connection(request, recorder, stop), target.host, target.port
            )
        except OSError as exc:
            recorder.error(f"connect: {type(exc).__name__}")
            await asyncio.sleep(0.05)
            continue
        live.add(protocol)
        if stop.is_set():
            protocol.close()
        await protocol.closed
        live.discard(protocol)


async def run_raw(target: Target, *, connections: int, recorder: Recorder, stop: asyncio.Event) -> None:
    """Drive ``connections`` raw keep-alive connections until ``stop`` is set."""
    request = target.raw_request()
    live: set[_Connection] = set()

    async def close_on_stop() -> None:
        # A connection also closes itself after its next answer; this covers one that never comes.
        await stop.wait()
        for protocol in list(live):
            protocol.close()

    await asyncio.gather(
        close_on_stop(),
        *(_raw_connection(target, request, recorder=recorder, stop=stop, live=live) for _ in range(connections)),
    )


async def run_httpx(target: Target, *, connections: int, recorder: Recorder, stop: asyncio.Event) -> None:
    """Drive ``connections`` httpx workers sharing one pooled client until ``stop`` is set."""
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    async with httpx.AsyncClient(limits=limits, timeout=10.0) as client:

        async def worker() -> None:
            while not stop.is_set():
                started = time.perf_counter_ns()
                try:
                    answer = await client.request(
                        target.method, target.url, content=target.body or None, headers=target.headers
                    )
                except httpx.HTTPError as exc:
                    recorder.error(type(exc).__name__)
                    await asyncio.sleep(0.05)
                    continue
                recorder.response(answer.status_code, time.perf_counter_ns() - started)

        await asyncio.gather(*(worker() for _ in range(connections)))


RUNNERS = {"raw": run_raw, "httpx": run_httpx}
