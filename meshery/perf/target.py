"""A small loopback HTTP target for load tests: HTTP/1.1 keep-alive and HTTP/2 (h2c, prior knowledge).

Used by the tests of ``meshery.perf`` and by ``bench/perf``. It answers every path with a short
body and records what it received (method, path, headers, body; the last ``keep`` requests) and
how many requests arrived, so a test can check that headers, cookies and bodies reach the target
and a benchmark has a second, server-side count of the rate.

Behaviour is injectable:

- ``latency_s``: every answer waits this long (a constant service time);
- ``stall(seconds)``: the server stops answering for that long, as a paused process would
  (requests arriving during the stall, and those already waiting, are answered when it ends);
- per request, the query ``delay_ms=N`` delays that answer and ``status=N`` sets its status;
- control paths: ``GET /_stall?ms=N`` starts a stall (answered at once), ``GET /_requests``
  answers the recorded requests as JSON, ``GET /_stats`` the counts (``count``, ``by_path``, and
  ``first_arrival``/``last_arrival`` on the target's monotonic clock), ``GET /_reset`` clears them.
  Control requests are neither counted nor recorded.

In a test: ``with TargetServer.in_thread() as target: ...`` (its own event loop in a thread).
As a process: ``python -m meshery.perf.target --port 8080`` prints ``listening on 127.0.0.1:PORT``.
With ``ssl_context`` it serves HTTPS (offer ALPN ``h2`` in the context for HTTP/2 over TLS).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import ssl
import threading
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, cast
from urllib.parse import parse_qsl, urlsplit

H2_PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
BODY = b"ok\n"
_REASONS = {200: b"OK", 201: b"Created", 204: b"No Content", 404: b"Not Found", 500: b"Internal Server Error"}
_FAST_HEAD = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 3\r\n\r\n" + BODY


@dataclass(frozen=True)
class Received:
    """One request as the target saw it."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    http_version: str
    arrived: float  # time.monotonic()


@dataclass
class TargetState:
    """Behaviour and records shared by every connection of one server."""

    latency_s: float = 0.0
    keep: int = 1000
    record: bool = True
    stalled_until: float = 0.0
    count: int = 0
    by_path: dict[str, int] = field(default_factory=dict)
    received: deque[Received] = field(default_factory=deque)
    first_arrival: float = 0.0
    last_arrival: float = 0.0

    def stall(self, seconds: float) -> None:
        self.stalled_until = max(self.stalled_until, time.monotonic() + seconds)

    def note(self, item: Received) -> None:
        if item.path.startswith("/_"):  # control requests are not load
            return
        self.count += 1
        if not self.first_arrival:
            self.first_arrival = item.arrived
        self.last_arrival = item.arrived
        self.by_path[item.path] = self.by_path.get(item.path, 0) + 1
        if self.record:
            self.received.append(item)
            while len(self.received) > self.keep:
                self.received.popleft()

    def stats(self) -> dict[str, Any]:
        return {
            "count": self.count,
            "by_path": dict(self.by_path),
            "first_arrival": self.first_arrival,
            "last_arrival": self.last_arrival,
        }

    def reset(self) -> None:
        self.count = 0
        self.by_path.clear()
        self.received.clear()
        self.first_arrival = self.last_arrival = 0.0

    def answer(self, item: Received) -> tuple[int, bytes, float]:
        """Status, body and the delay (seconds from now) of the answer to ``item``."""
        split = urlsplit(item.path)
        query = dict(parse_qsl(split.query))
        if split.path == "/_stall":
            self.stall(float(query.get("ms", "500")) / 1000)
            return 200, b"stalled\n", 0.0
        if split.path == "/_requests":
            rows = [
                {
                    "method": r.method,
                    "path": r.path,
                    "headers": r.headers,
                    "body": r.body.decode("latin-1"),
                    "http_version": r.http_version,
                }
                for r in self.received
            ]
            return 200, json.dumps(rows).encode(), 0.0
        if split.path == "/_stats":
            return 200, json.dumps(self.stats()).encode(), 0.0
        if split.path == "/_reset":
            self.reset()
            return 200, b"reset\n", 0.0
        status = int(query.get("status", "200"))
        delay = self.latency_s + float(query.get("delay_ms", "0")) / 1000
        wait = max(delay, self.stalled_until - time.monotonic())
        return status, BODY, wait


def _response(status: int, body: bytes) -> bytes:
    reason = _REASONS.get(status, b"Status")
    return b"HTTP/1.1 %d %s\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n\r\n%s" % (
        status,
        reason,
        len(body),
        body,
    )


class _Http1(asyncio.Protocol):
    """HTTP/1.1 with keep-alive and pipelining (answers in order); switches to h2 on the preface."""

    def __init__(self, state: TargetState) -> None:
        self.state = state
        self.buffer = b""
        self.transport: asyncio.Transport | None = None
        self.queue: deque[Received] = deque()
        self.draining = False
        self.h2: _H2 | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)

    def data_received(self, data: bytes) -> None:
        if self.h2 is not None:
            self.h2.data_received(data)
            return
        self.buffer += data
        if self.buffer.startswith(H2_PREFACE[: len(self.buffer)]) and len(self.buffer) < len(H2_PREFACE):
            return
        if self.buffer.startswith(H2_PREFACE):
            assert self.transport is not None
            self.h2 = _H2(self.state, self.transport)
            data, self.buffer = self.buffer, b""
            self.h2.data_received(data)
            return
        while True:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            head = self.buffer[:end].decode("latin-1").split("\r\n")
            try:
                method, path, version = head[0].split(" ", 2)
            except ValueError:
                self._close()
                return
            headers: dict[str, str] = {}
            for line in head[1:]:
                name, _, value = line.partition(":")
                key = name.strip().lower()
                headers[key] = f"{headers[key]}, {value.strip()}" if key in headers else value.strip()
            length = int(headers.get("content-length", "0") or 0)
            if len(self.buffer) < end + 4 + length:
                return
            body = self.buffer[end + 4 : end + 4 + length]
            self.buffer = self.buffer[end + 4 + length :]
            item = Received(method, path, headers, body, version.removeprefix("HTTP/"), time.monotonic())
            self.state.note(item)
            self.queue.append(item)
            if not self.draining:
                self._drain()

    def _drain(self) -> None:
        """Answer queued requests in order; a delayed one holds the ones behind it."""
        self.draining = True
        while self.queue:
            item = self.queue[0]
            status, body, wait = self.state.answer(item)
            if wait > 0:
                asyncio.get_running_loop().call_later(wait, self._resume)
                return
            self.queue.popleft()
            if self.transport is None or self.transport.is_closing():
                return
            if item.method == "HEAD":  # the headers of the answer, no body
                self.transport.write(_response(status, body).split(b"\r\n\r\n", 1)[0] + b"\r\n\r\n")
            else:
                self.transport.write(_FAST_HEAD if status == 200 and body is BODY else _response(status, body))
        self.draining = False

    def _resume(self) -> None:
        if not self.queue:
            self.draining = False
            return
        item = self.queue.popleft()
        split = urlsplit(item.path)
        status = int(dict(parse_qsl(split.query)).get("status", "200"))
        if self.transport is not None and not self.transport.is_closing():
            answer = _response(status, BODY)
            if item.method == "HEAD":
                answer = answer.split(b"\r\n\r\n", 1)[0] + b"\r\n\r\n"
            self.transport.write(answer)
        self._drain()

    def _close(self) -> None:
        if self.transport is not None:
            self.transport.close()

    def connection_lost(self, exc: Exception | None) -> None:
        self.transport = None
        self.queue.clear()


class _H2:
    """The server side of an h2c connection (prior knowledge): every stream answered like HTTP/1.1."""

    def __init__(self, state: TargetState, transport: asyncio.Transport) -> None:
        import h2.config
        import h2.connection

        self.state = state
        self.transport = transport
        self.conn = h2.connection.H2Connection(h2.config.H2Configuration(client_side=False, header_encoding="utf-8"))
        self.conn.initiate_connection()
        self.streams: dict[int, tuple[dict[str, str], bytearray]] = {}
        self.transport.write(self.conn.data_to_send())

    def data_received(self, data: bytes) -> None:
        import h2.events
        import h2.exceptions

        try:
            events = self.conn.receive_data(data)
        except h2.exceptions.ProtocolError:
            self.transport.write(self.conn.data_to_send())
            self.transport.close()
            return
        for event in events:
            if isinstance(event, h2.events.RequestReceived):
                headers = {str(k): str(v) for k, v in (event.headers or [])}
                self.streams[event.stream_id] = (headers, bytearray())
            elif isinstance(event, h2.events.DataReceived):
                if event.stream_id in self.streams and event.data:
                    self.streams[event.stream_id][1].extend(event.data)
                self.conn.acknowledge_received_data(event.flow_controlled_length, event.stream_id)
            elif isinstance(event, h2.events.StreamEnded):
                self._request(event.stream_id)
        self.transport.write(self.conn.data_to_send())

    def _request(self, stream_id: int) -> None:
        headers, body = self.streams.pop(stream_id, ({}, bytearray()))
        plain = {k: v for k, v in headers.items() if not k.startswith(":")}
        if ":authority" in headers:
            plain.setdefault("host", headers[":authority"])
        item = Received(
            headers.get(":method", "GET"), headers.get(":path", "/"), plain, bytes(body), "2", time.monotonic()
        )
        self.state.note(item)
        status, payload, wait = self.state.answer(item)
        if wait > 0:
            asyncio.get_running_loop().call_later(wait, self._respond, stream_id, status, payload)
        else:
            self._respond(stream_id, status, payload)

    def _respond(self, stream_id: int, status: int, payload: bytes) -> None:
        if self.transport.is_closing():
            return
        try:
            self.conn.send_headers(
                stream_id,
                [(":status", str(status)), ("content-type", "text/plain"), ("content-length", str(len(payload)))],
            )
            self.conn.send_data(stream_id, payload, end_stream=True)
        except Exception:  # the stream was reset by the client
            return
        self.transport.write(self.conn.data_to_send())


class TargetServer:
    """The target, bound to 127.0.0.1; ``port`` is set once it listens."""

    def __init__(
        self,
        *,
        port: int = 0,
        latency_s: float = 0.0,
        keep: int = 1000,
        record: bool = True,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self.state = TargetState(latency_s=latency_s, keep=keep, record=record)
        self.port = port
        self.ssl_context = ssl_context
        self._server: asyncio.base_events.Server | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    @property
    def url(self) -> str:
        scheme = "https" if self.ssl_context is not None else "http"
        return f"{scheme}://127.0.0.1:{self.port}"

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        self._loop = loop
        self._server = await loop.create_server(
            lambda: _Http1(self.state), "127.0.0.1", self.port, backlog=1024, ssl=self.ssl_context
        )
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.wait_closed(), 2)

    def stall(self, seconds: float) -> None:
        """Stop answering for ``seconds`` (thread-safe)."""
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self.state.stall, seconds)
        else:
            self.state.stall(seconds)

    @property
    def received(self) -> list[Received]:
        return list(self.state.received)

    @classmethod
    @contextlib.contextmanager
    def in_thread(cls, **kwargs: Any) -> Iterator[TargetServer]:
        """Run a target on its own event loop in a daemon thread for the duration of the block."""
        server = cls(**kwargs)
        ready = threading.Event()
        loop = asyncio.new_event_loop()

        def main() -> None:
            asyncio.set_event_loop(loop)
            loop.run_until_complete(server.start())
            ready.set()
            loop.run_forever()
            loop.run_until_complete(server.stop())
            loop.close()

        thread = threading.Thread(target=main, name="perf-target", daemon=True)
        thread.start()
        if not ready.wait(10):
            raise RuntimeError("the target server did not start")
        try:
            yield server
        finally:
            loop.call_soon_threadsafe(loop.stop)
            thread.join(5)


async def _serve(port: int, latency_s: float, record: bool) -> None:
    server = TargetServer(port=port, latency_s=latency_s, record=record)
    await server.start()
    print(f"listening on 127.0.0.1:{server.port}", flush=True)
    await asyncio.Event().wait()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m meshery.perf.target", description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default: any free one)")
    parser.add_argument("--latency-ms", type=float, default=0.0, help="service time of every answer")
    parser.add_argument("--no-record", action="store_true", help="count requests but keep none of them")
    parser.add_argument("--cpu", type=int, default=None, help="pin this process to one CPU")
    args = parser.parse_args(argv)
    if args.cpu is not None and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {args.cpu})
    try:
        import uvloop

        runner: Any = uvloop.run
    except ImportError:
        runner = asyncio.run
    with contextlib.suppress(KeyboardInterrupt):
        runner(_serve(args.port, args.latency_ms / 1000, not args.no_record))


if __name__ == "__main__":
    main()
