"""One HTTP/1.1 keep-alive connection of the built-in generator: a raw asyncio protocol.

Plain ``http://`` connections use ``rawsock.RawTransport`` (answers stamped with the kernel's
receive time); ``https://`` ones the event loop's TLS transport.

The request bytes are built once; answers are parsed by httptools (the C parser uvicorn uses).
One request at a time per connection (no pipelining). A lost connection fails the request in
flight (status -1) and is reopened for the next one.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import httptools

from meshery.perf.loadgen import rawsock
from meshery.perf.loadgen.wire import ERROR_CODE, Endpoint, Pacer, clock, request_bytes


class H1Conn(asyncio.Protocol):
    def __init__(self, engine: Pacer, index: int, endpoint: Endpoint) -> None:
        self.engine = engine
        self.index = index
        self.endpoint = endpoint
        self.payload = request_bytes(endpoint, engine.spec)
        self.transport: Any = None  # asyncio.Transport (TLS) or rawsock.RawTransport
        self.parser: httptools.HttpResponseParser | None = None
        self.busy = False
        self.sent_at = 0.0
        self.read_at = 0.0  # when the last bytes arrived: the answer's time, before any parsing
        self.connecting: asyncio.Task[None] | None = None
        self.closed = False
        self.head_only = engine.spec.method == "HEAD"

    async def connect(self) -> None:
        loop = self.engine.loop
        if self.endpoint.scheme != "https":
            await rawsock.open_connection(loop, self.endpoint.host, self.endpoint.port, self)
            return
        ssl_context = self.engine.ssl_context
        await loop.create_connection(
            lambda: self,
            self.endpoint.host,
            self.endpoint.port,
            ssl=ssl_context,
            server_hostname=self.endpoint.host if ssl_context else None,
        )

    # --- asyncio.Protocol -----------------------------------------------------------------

    def connection_made(self, transport: Any) -> None:
        self.transport = transport
        self.parser = httptools.HttpResponseParser(self)
        sock = transport.get_extra_info("socket")
        if sock is not None:
            import socket

            with contextlib.suppress(OSError):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def data_received(self, data: bytes) -> None:
        self.data_received_at(data, clock())

    def data_received_at(self, data: bytes, at: float) -> None:
        """Bytes of an answer that reached this host at ``at`` (``clock()`` time)."""
        self.read_at = at
        parser = self.parser
        if parser is None:
            return
        try:
            parser.feed_data(data)
        except httptools.HttpParserError:
            self.fail()

    def on_headers_complete(self) -> None:
        if self.head_only and self.busy:
            # An answer to HEAD has no body whatever its Content-Length says.
            self._complete()

    def on_message_complete(self) -> None:
        if self.busy:
            self._complete()

    def _complete(self) -> None:
        assert self.parser is not None
        status = self.parser.get_status_code()
        self.busy = False
        if self.head_only:
            self.parser = httptools.HttpResponseParser(self)
        self.engine.done(self, status)

    def connection_lost(self, exc: Exception | None) -> None:
        self.transport = None
        self.parser = None
        if self.busy:
            self.busy = False
            self.engine.done(self, ERROR_CODE)

    # --- used by the engine ---------------------------------------------------------------

    def send(self) -> None:
        self.busy = True
        self.sent_at = clock()
        transport = self.transport
        if transport is not None and not transport.is_closing():
            transport.write(self.payload)
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
                # A refused connection answers at once; don't spin on it in a closed loop.
                await asyncio.sleep(0.01 if not self.engine.interval else 0)
                self.engine.done(self, ERROR_CODE)
            return
        if self.busy and self.transport is not None:
            self.transport.write(self.payload)

    def fail(self) -> None:
        """Give up on the request in flight (timeout, unparsable answer): close; reopen on the next send."""
        transport = self.transport
        if transport is not None:
            transport.abort()  # connection_lost reports the failure
            return
        if self.connecting is not None:
            self.connecting.cancel()
        if self.busy:
            self.busy = False
            self.engine.done(self, ERROR_CODE)

    def abort(self) -> None:
        self.closed = True
        self.busy = False
        if self.transport is not None:
            self.transport.abort()
        if self.connecting is not None:
            self.connecting.cancel()
