"""How uvicorn serves the app: envelope refusals of unparsable requests, and the graceful stop.

A request that cannot even be parsed (a URL over 65,535 bytes, a broken request line) never
reaches the app; uvicorn answers it with a plain-text 400. ``EnvelopeHttpToolsProtocol``
answers the same 400 as every other bad request: JSON, with a catalogued code.

``DrainingServer`` is uvicorn's server with a drain in front of its shutdown. On SIGTERM:
readiness fails at once (``Drain.begin``), requests are still served for the drain delay
(so a load balancer probing readiness stops sending new ones), then the long-lived streams
are ended (``Drain.close_streams``), and only then does uvicorn stop accepting, let the
requests in flight finish (for what is left of the grace period) and run the app's shutdown.
SIGINT (Ctrl-C) skips the delay; a second signal stops at once, as uvicorn does.
"""

from __future__ import annotations

import asyncio
import logging
import math
import signal
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from types import FrameType

from uvicorn import Config, Server
from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol

from generated import errors
from meshery.errors import CONTENT_TYPE, body_and_headers

log = logging.getLogger(__name__)


def refusal(msg: str) -> bytes:
    """The whole HTTP/1.1 answer to a request uvicorn could not parse."""
    err = errors.ErrRequestValidation(f"{msg} The URL, including the query, is limited to 65,535 bytes.")
    body, headers = body_and_headers(err)
    headers = {"content-type": CONTENT_TYPE, **{k.lower(): v for k, v in headers.items()}}
    head = [STATUS_LINE[400]]
    head += [f"{name}: {value}\r\n".encode("latin-1") for name, value in headers.items()]
    head += [f"content-length: {len(body)}\r\n".encode("ascii"), b"connection: close\r\n", b"\r\n"]
    return b"".join(head) + body


MIN_BODY_RATE = 64 * 1024
"""Bytes per second a client must at least send a declared body at, on top of the body timeout."""


class EnvelopeHttpToolsProtocol(HttpToolsProtocol):
    """httptools HTTP/1.1 whose parse errors are answered in the MeshKit envelope, and whose slow
    clients are disconnected.

    uvicorn closes a connection idle between requests (``timeout_keep_alive``) but waits forever
    for a request's headers or body (every byte received cancels its timer), so a client sending
    a byte now and then holds a connection, and its memory, for ever ("slowloris"). Here the
    headers of each request must be complete within ``header_timeout`` seconds of the connection
    or of the request's first byte, and its body within ``body_timeout`` seconds plus the time its
    declared length takes at ``MIN_BODY_RATE``; past that the connection is closed.
    """

    header_timeout: float = 10.0
    body_timeout: float = 60.0

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._slow: asyncio.TimerHandle | None = None
        self._arm(self.header_timeout)

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._arm(self.header_timeout)

    def on_headers_complete(self) -> None:
        length = next((v for k, v in self.headers if k == b"content-length"), b"0")
        declared = int(length) if length.isdigit() else 0
        super().on_headers_complete()
        self._arm(self.body_timeout + declared / MIN_BODY_RATE)

    def on_message_complete(self) -> None:
        self._disarm()
        super().on_message_complete()

    def handle_websocket_upgrade(self) -> None:
        self._disarm()  # the websocket protocol takes the connection over
        super().handle_websocket_upgrade()

    def _arm(self, seconds: float) -> None:
        self._disarm()
        self._slow = self.loop.call_later(seconds, self._too_slow)

    def _disarm(self) -> None:
        slow = getattr(self, "_slow", None)
        if slow is not None:
            slow.cancel()
            self._slow = None

    def _too_slow(self) -> None:
        self._slow = None
        if not self.transport.is_closing():
            log.info("closing a connection from %s: its request did not arrive in time", self.client)
            self.transport.close()

    def send_400_response(self, msg: str) -> None:
        default = b"".join(name + b": " + value + b"\r\n" for name, value in self.server_state.default_headers)
        answer = refusal(msg)
        status_end = answer.index(b"\r\n") + 2
        self.transport.write(answer[:status_end] + default + answer[status_end:])
        self.transport.close()


def protocol(*, header_timeout: float, body_timeout: float) -> type[EnvelopeHttpToolsProtocol]:
    """``EnvelopeHttpToolsProtocol`` with these timeouts (settings HTTP_HEADER_TIMEOUT, HTTP_BODY_TIMEOUT)."""
    attributes = {"header_timeout": header_timeout, "body_timeout": body_timeout}
    return type("TimedHttpToolsProtocol", (EnvelopeHttpToolsProtocol,), attributes)


@dataclass(frozen=True)
class Drain:
    """What the server does before it stops: the app's side of a graceful stop."""

    grace_period: float
    delay: float
    begin: Callable[[], None]
    close_streams: Callable[[], Awaitable[object]]


class DrainingServer(Server):
    """uvicorn's server whose first SIGTERM or SIGINT drains before uvicorn's own shutdown."""

    def __init__(self, config: Config, drain: Drain) -> None:
        super().__init__(config)
        self.drain = drain
        self.draining: asyncio.Task[None] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    async def serve(self, sockets: list[socket.socket] | None = None) -> None:
        self._loop = asyncio.get_running_loop()
        await super().serve(sockets)

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        if self.draining is not None or self.should_exit or self._loop is None:
            super().handle_exit(sig, frame)  # a second signal (or none served yet): stop now
            return
        self._captured_signals.append(sig)  # re-raised by uvicorn once it has shut down
        # A signal handler runs between two bytecodes of the loop's thread: schedule, do not run.
        self._loop.call_soon_threadsafe(self._start_drain, sig)

    def _start_drain(self, sig: int) -> None:
        if self.draining is None and not self.should_exit:
            self.draining = asyncio.get_running_loop().create_task(self._drain(sig), name="drain")

    async def _drain(self, sig: int) -> None:
        loop = asyncio.get_running_loop()
        started = loop.time()
        grace = self.drain.grace_period
        delay = min(self.drain.delay, grace) if sig == signal.SIGTERM else 0.0
        try:
            self.drain.begin()
            log.info(
                "%s: draining for %.1f s, then stopping within %.1f s", signal.Signals(sig).name, delay, grace
            )
            if delay > 0:
                await asyncio.sleep(delay)
            await self.drain.close_streams()
        except Exception:
            log.exception("drain failed; stopping now")
        finally:
            # uvicorn waits this long (whole seconds) for the requests in flight once it stops accepting.
            self.config.timeout_graceful_shutdown = max(math.ceil(grace - (loop.time() - started)), 1)
            self.should_exit = True
