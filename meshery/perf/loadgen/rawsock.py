"""A plain-TCP transport for the built-in generator that knows when each answer reached the kernel.

It stands in for the event loop's own transport on ``http://`` connections (TLS keeps the loop's):
the socket is read with ``recvmsg`` and ``SO_TIMESTAMPNS``, so every read carries the time the
kernel received the data. A request's latency then ends when its answer arrived, not when the
worker got round to reading it: a worker descheduled for a while (a busy machine, a garbage
collection) does not charge its own delay to the server, which would otherwise inflate the
latencies corrected for coordinated omission. Where the option is missing (not Linux) the time of
the read is used, as with the loop's transport.

Linux turns receive stamping on for the whole system a moment after the first socket asks for it,
so the very first reads on an otherwise unstamped machine may come without a stamp (the read's
time is used then). The kernel's stamp is on the wall clock; it is moved to the ``perf_counter`` clock by an offset
taken when the transport opens, and only used when it falls between the last send and now.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
import sys
import time
from typing import Any, Protocol

from meshery.perf.loadgen.wire import clock

SO_TIMESTAMPNS = getattr(socket, "SO_TIMESTAMPNS", 35 if sys.platform.startswith("linux") else 0)
_STAMP = struct.Struct("qq")
_READ_SIZE = 64 * 1024
_ANCILLARY = 64


class Receiver(Protocol):
    def connection_made(self, transport: Any) -> None: ...
    def data_received_at(self, data: bytes, at: float) -> None: ...
    def connection_lost(self, exc: Exception | None) -> None: ...


async def open_connection(loop: asyncio.AbstractEventLoop, host: str, port: int, receiver: Receiver) -> RawTransport:
    """Connect to ``host:port`` (every address in turn) and hand the transport to ``receiver``."""
    infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
    error: OSError | None = None
    for family, kind, proto, _name, address in infos:
        sock = socket.socket(family, kind, proto)
        sock.setblocking(False)
        try:
            await loop.sock_connect(sock, address)
        except OSError as exc:
            sock.close()
            error = exc
            continue
        except BaseException:
            sock.close()
            raise
        transport = RawTransport(loop, sock, receiver)
        receiver.connection_made(transport)
        transport.start()
        return transport
    raise error or OSError(f"no address for {host}:{port}")


class RawTransport:
    """The part of ``asyncio.Transport`` the generator's connections use, over a non-blocking socket."""

    def __init__(self, loop: asyncio.AbstractEventLoop, sock: socket.socket, receiver: Receiver) -> None:
        self.loop = loop
        self.sock = sock
        self.fd = sock.fileno()
        self.receiver = receiver
        self.closing = False
        self.pending = b""
        # One buffer per connection, read into (recvmsg would allocate the whole size every call).
        self.buffer = bytearray(_READ_SIZE)
        self.view = memoryview(self.buffer)
        self.buffers = [self.view]
        self.offset = time.time() - clock()  # wall clock minus perf_counter
        self.stamps = False
        self.stamped_reads = 0  # reads that carried the kernel's stamp (the first may not: see below)
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if SO_TIMESTAMPNS:
            try:
                sock.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
                self.stamps = True
            except OSError:
                self.stamps = False

    def start(self) -> None:
        self.loop.add_reader(self.fd, self._readable)

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return self.sock if name == "socket" else default

    def is_closing(self) -> bool:
        return self.closing

    def write(self, data: bytes) -> None:
        if self.closing:
            return
        if self.pending:
            self.pending += data
            return
        try:
            sent = self.sock.send(data)
        except (BlockingIOError, InterruptedError):
            sent = 0
        except OSError as exc:
            self._lost(exc)
            return
        if sent < len(data):
            self.pending = data[sent:]
            self.loop.add_writer(self.fd, self._writable)

    def _writable(self) -> None:
        try:
            sent = self.sock.send(self.pending)
        except (BlockingIOError, InterruptedError):
            return
        except OSError as exc:
            self._lost(exc)
            return
        self.pending = self.pending[sent:]
        if not self.pending:
            self.loop.remove_writer(self.fd)

    def _readable(self) -> None:
        try:
            size, ancillary, _flags, _address = self.sock.recvmsg_into(self.buffers, _ANCILLARY if self.stamps else 0)
        except (BlockingIOError, InterruptedError):
            return
        except OSError as exc:
            self._lost(exc)
            return
        if not size:
            self._lost(None)
            return
        data = self.view[:size].tobytes()
        now = clock()
        at = now
        for level, kind, payload in ancillary:
            if level == socket.SOL_SOCKET and kind == SO_TIMESTAMPNS and len(payload) >= _STAMP.size:
                seconds, nanoseconds = _STAMP.unpack_from(payload)
                stamped = seconds + nanoseconds * 1e-9 - self.offset
                if now - 60 < stamped <= now:
                    at = stamped
                    self.stamped_reads += 1
        self.receiver.data_received_at(data, at)

    def abort(self) -> None:
        self._lost(None)

    def close(self) -> None:
        self._lost(None)

    def _lost(self, exc: Exception | None) -> None:
        if self.closing:
            return
        self.closing = True
        self.loop.remove_reader(self.fd)
        if self.pending:
            self.loop.remove_writer(self.fd)
            self.pending = b""
        self.sock.close()
        self.loop.call_soon(self.receiver.connection_lost, exc)
