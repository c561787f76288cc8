"""One HTTP/2 connection of the built-in generator (h2c by prior knowledge, or h2 over TLS by ALPN).

Same life cycle as ``http1.H1Conn`` (one request, one stream, at a time per connection, so
``concurrency`` means the same for both protocols); frames by the ``h2`` package.
"""

from __future__ import annotations

import asyncio
from typing import Any

import h2.config
import h2.connection
import h2.events
import h2.exceptions

from meshery.perf.loadgen.http1 import H1Conn
from meshery.perf.loadgen.wire import ERROR_CODE, USER_AGENT, Endpoint, Pacer, clock


class H2Conn(H1Conn):
    def __init__(self, engine: Pacer, index: int, endpoint: Endpoint) -> None:
        super().__init__(engine, index, endpoint)
        spec = engine.spec
        skip = {"host", "connection", "content-length", "transfer-encoding", "keep-alive", "upgrade"}
        headers = [
            (":method", spec.method),
            (":scheme", endpoint.scheme),
            (":authority", endpoint.authority),
            (":path", endpoint.target),
        ]
        if not any(name.lower() == "user-agent" for name, _ in spec.headers):
            headers.append(("user-agent", USER_AGENT))
        headers.extend((name.lower(), value) for name, value in spec.headers if name.lower() not in skip)
        if spec.body:
            headers.append(("content-length", str(len(spec.body))))
        self.h2_headers = headers
        self.h2: h2.connection.H2Connection | None = None
        self.stream_id = 0
        self.status = 0

    def connection_made(self, transport: Any) -> None:
        super().connection_made(transport)
        self.parser = None
        self.h2 = h2.connection.H2Connection(h2.config.H2Configuration(client_side=True, header_encoding="utf-8"))
        self.h2.initiate_connection()
        assert self.transport is not None
        self.transport.write(self.h2.data_to_send())

    def data_received_at(self, data: bytes, at: float) -> None:
        self.read_at = at
        conn = self.h2
        if conn is None:
            return
        try:
            events = conn.receive_data(data)
        except h2.exceptions.ProtocolError:
            self.fail()
            return
        for event in events:
            if isinstance(event, h2.events.ResponseReceived):
                for name, value in event.headers or []:
                    if bytes(name) == b":status" if isinstance(name, bytes) else str(name) == ":status":
                        self.status = int(value)
            elif isinstance(event, h2.events.DataReceived):
                conn.acknowledge_received_data(event.flow_controlled_length, event.stream_id)
            elif isinstance(event, h2.events.StreamEnded):
                if event.stream_id == self.stream_id and self.busy:
                    self.busy = False
                    self.engine.done(self, self.status or ERROR_CODE)
            elif isinstance(event, h2.events.StreamReset):
                if event.stream_id == self.stream_id and self.busy:
                    self.busy = False
                    self.engine.done(self, ERROR_CODE)
            elif isinstance(event, h2.events.ConnectionTerminated):
                self.fail()
                return
        out = conn.data_to_send()
        if out and self.transport is not None:
            self.transport.write(out)

    def connection_lost(self, exc: Exception | None) -> None:
        self.h2 = None
        super().connection_lost(exc)

    def _write_request(self) -> None:
        conn = self.h2
        assert conn is not None and self.transport is not None
        self.status = 0
        self.stream_id = conn.get_next_available_stream_id()
        body = self.engine.spec.body
        conn.send_headers(self.stream_id, self.h2_headers, end_stream=not body)
        if body:
            conn.send_data(self.stream_id, body, end_stream=True)
        self.transport.write(conn.data_to_send())

    def send(self) -> None:
        self.busy = True
        self.sent_at = clock()
        if self.transport is not None and not self.transport.is_closing() and self.h2 is not None:
            self._write_request()
            return
        if self.closed:
            self.busy = False
            return
        self.connecting = self.engine.loop.create_task(self._reconnect_and_send())

    async def _reconnect_and_send(self) -> None:
        try:
            await self.connect()
        except (TimeoutError, OSError, ValueError):
            if self.busy:
                self.busy = False
                await asyncio.sleep(0.01 if not self.engine.interval else 0)
                self.engine.done(self, ERROR_CODE)
            return
        if self.busy and self.transport is not None and self.h2 is not None:
            self._write_request()
