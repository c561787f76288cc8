"""The SSE answer of ``GET /api/system/events/subscribe``: one listener, written as frames.

A Starlette `Response` (so Connexion hands it to the server untouched) whose ASGI call
sends upstream's headers at once, then a ``data:`` frame per event and a ``: keepalive``
comment on every tick of the hub's ticker (`stream.KEEPALIVE` seconds). Two tasks run side by side: the
writer, and a watcher of ``http.disconnect`` so that a client that goes away is removed
from the hub at once even while nothing is being written. When the hub drops a client
that stopped reading, the writer may be stuck in a send that waits for the socket to
drain; it is cancelled and the connection is abandoned to the server, which closes it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from meshery.events.stream import Listener, StreamClosed

log = logging.getLogger(__name__)

#: How long the final empty body may take to leave before the connection is abandoned.
CLOSE_GRACE = 1.0

HEADERS = {
    "Content-Type": "text/event-stream",
    "Cache-Control": "no-cache",
    "Connection": "keep-alive",
    "X-Accel-Buffering": "no",
}
KEEPALIVE_FRAME = b": keepalive\n\n"


class EventStream(Response):
    """Streams `listener`'s frames until the client disconnects or the hub closes it."""

    media_type = "text/event-stream"

    def __init__(self, listener: Listener) -> None:
        super().__init__(content=None, status_code=200, headers=HEADERS)
        # No Content-Length: the body is open-ended.
        self.raw_headers = [(k, v) for k, v in self.raw_headers if k != b"content-length"]
        self.listener = listener

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        listener = self.listener
        try:
            await send({"type": "http.response.start", "status": 200, "headers": self.raw_headers})
            await send({"type": "http.response.body", "body": b"", "more_body": True})
            writer = asyncio.create_task(self._write(send), name="sse-writer")
            watcher = asyncio.create_task(_until_disconnect(receive), name="sse-disconnect")
            done, _ = await asyncio.wait({writer, watcher}, return_when=asyncio.FIRST_COMPLETED)
            for task in (writer, watcher):
                task.cancel()
            for task in (writer, watcher):
                with contextlib.suppress(asyncio.CancelledError, OSError):
                    await task
            if watcher in done:
                return  # the client left; nothing more can be sent
            # The hub ended the stream (overflow or shutdown): end the body if the socket takes it.
            with contextlib.suppress(TimeoutError, OSError):
                async with asyncio.timeout(CLOSE_GRACE):
                    await send({"type": "http.response.body", "body": b"", "more_body": False})
        finally:
            listener.close()

    async def _write(self, send: Send) -> None:
        while True:
            try:
                frame = await self.listener.next()
            except StreamClosed:
                return
            body = KEEPALIVE_FRAME if frame is None else frame.sse
            await send({"type": "http.response.body", "body": body, "more_body": True})


async def _until_disconnect(receive: Receive) -> None:
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return
