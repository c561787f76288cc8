"""Live event streams of one replica: one bus subscription fanned out to every client.

Each replica holds one `EventHub` per bus. The hub subscribes to ``EVENTS_SUBJECT``
without a queue group, so every replica receives every event (the NATS bus delivers an
event raised here to local subscribers at publish time and drops its echo from NATS,
so nothing arrives twice). Each event is decoded once and rendered once per wire form
(`Frame`), then offered to every client's `Listener`: a bounded queue that never blocks
the hub. A client whose queue is full is closed with a logged reason instead of
slowing the others down; its stream then ends and it can catch up from the listing.
"""

from __future__ import annotations

import asyncio
import collections
import json
import logging
import time
import weakref
from typing import TYPE_CHECKING, Any

from generated import errors
from meshery.bus import Bus, BusError
from meshery.events import settings
from meshery.events.core import EVENTS_SUBJECT, decode_event

if TYPE_CHECKING:
    from meshery.bus import Subscription
    from meshery.context import Services

log = logging.getLogger(__name__)

#: Events a client may have queued before it is disconnected for falling behind.
MAX_PENDING = 256
#: Events the hub's own bus mailbox holds while it is busy fanning out (bursts only).
HUB_MAILBOX = 65536
#: Seconds between ``: keepalive`` comments on SSE streams (upstream's interval).
KEEPALIVE = 15.0
#: How long the debugMode setting is trusted before it is read from the database again.
CONFIG_TTL = 1.0


def _graphql_id(value: Any) -> str | None:
    return str(value) if value else None


class Frame:
    """One event with its wire forms, each rendered at most once for all clients."""

    __slots__ = ("_graphql", "_sse", "event", "owner", "received")

    def __init__(self, event: dict[str, Any]) -> None:
        self.event = event
        self.owner: str | None = event.get("owner") or None
        self.received = time.perf_counter()
        self._sse: bytes | None = None
        self._graphql: dict[str, Any] | None = None

    @property
    def severity(self) -> str:
        return str(self.event.get("severity", ""))

    @property
    def sse(self) -> bytes:
        """``data: <json>`` and the blank line that ends an SSE frame."""
        if self._sse is None:
            self._sse = b"data: " + json.dumps(self.event, separators=(",", ":")).encode() + b"\n\n"
        return self._sse

    @property
    def graphql(self) -> dict[str, Any]:
        """The GraphQL ``Event`` fields (upstream's models_gen names)."""
        if self._graphql is None:
            e = self.event
            self._graphql = {
                "id": e.get("id"),
                "userID": _graphql_id(e.get("owner")),
                "actedUpon": _graphql_id(e.get("actedUpon")),
                "operationID": _graphql_id(e.get("operationId")),
                "systemID": _graphql_id(e.get("systemId")),
                "severity": e.get("severity"),
                "action": e.get("action", ""),
                "status": e.get("status", ""),
                "category": e.get("category", ""),
                "description": e.get("description", ""),
                "metadata": e.get("metadata"),
                "createdAt": e.get("createdAt"),
                "updatedAt": e.get("updatedAt"),
                "deletedAt": e.get("deletedAt"),
            }
        return self._graphql


class StreamClosed(Exception):
    """The listener was closed: by its client, by overflow, or because the server stops."""


class Listener:
    """One client's bounded queue of frames; filled by the hub, drained by the client."""

    def __init__(self, hub: EventHub, *, user_id: str | None, kind: str, max_pending: int) -> None:
        self.hub = hub
        self.user_id = user_id
        self.kind = kind
        self.max_pending = max_pending
        self.reason: str | None = None
        self.overflowed = False
        self._frames: collections.deque[Frame] = collections.deque()
        self._tick_due = False  # a keepalive is owed (SSE listeners only)
        self._wakeup = asyncio.Event()

    @property
    def closed(self) -> bool:
        return self.reason is not None

    def wants(self, frame: Frame) -> bool:
        return frame.owner is None or self.user_id is None or frame.owner == self.user_id

    def offer(self, frame: Frame) -> None:
        if self.reason is not None:
            return
        if len(self._frames) >= self.max_pending:
            self.overflowed = True
            self.close(f"fell behind by {self.max_pending} events")
            return
        self._frames.append(frame)
        self._wakeup.set()

    @property
    def pending(self) -> int:
        return len(self._frames)

    def keepalive(self) -> None:
        """Owe the client a keepalive; it comes after the frames already queued."""
        if self.reason is None:
            self._tick_due = True
            self._wakeup.set()

    async def next(self) -> Frame | None:
        """The next frame, or None for a keepalive tick. Raises StreamClosed once closed.

        No per-call timeout: with a thousand clients that would be a thousand timers per
        event. The hub's ticker queues the keepalive ticks instead.
        """
        while not self._frames:
            if self.reason is not None:
                raise StreamClosed(self.reason)
            if self._tick_due:
                self._tick_due = False
                return None
            self._wakeup.clear()
            await self._wakeup.wait()
        return self._frames.popleft()

    def close(self, reason: str = "client disconnected") -> None:
        """Stop delivering; calling it again does nothing. Overflow is logged with its reason."""
        if self.reason is not None:
            return
        self.reason = reason
        self._frames.clear()
        self._wakeup.set()
        self.hub.discard(self)
        if self.overflowed:
            err = errors.ErrEventStreamOverflow(f"{self.kind} client of user {self.user_id!r} dropped: {reason}")
            log.warning("%s: %s", err.code, err.message)


class EventHub:
    """The fan-out of one bus's ``EVENTS_SUBJECT`` to this replica's live clients."""

    def __init__(self, services: Services, *, max_pending: int = MAX_PENDING) -> None:
        self.services = services
        self.bus = services.bus
        self.max_pending = max_pending
        self.listeners: set[Listener] = set()
        self.delivered = 0
        self.dropped_clients = 0
        self._subscription: Subscription | None = None
        self._pump: asyncio.Task[None] | None = None
        self._ticker: asyncio.Task[None] | None = None
        self._starting = asyncio.Lock()
        self._debug_mode: tuple[float, bool] | None = None

    @property
    def running(self) -> bool:
        return self._pump is not None and not self._pump.done()

    async def start(self) -> None:
        """Subscribe to the events subject (once); later calls return at once."""
        async with self._starting:
            if self.running:
                return
            try:
                self._subscription = await self.bus.subscribe(EVENTS_SUBJECT, max_pending=HUB_MAILBOX)
            except BusError as exc:
                raise errors.ErrEventStreamUnavailable(f"the message bus is not running: {exc}") from exc
            self._pump = asyncio.create_task(self._run(self._subscription), name="events-hub")
            self.services.background.append(self._pump)
            self._ticker = asyncio.create_task(self._tick(), name="events-keepalive")
            self.services.background.append(self._ticker)
            log.info("event hub subscribed to %s", EVENTS_SUBJECT)

    async def open(self, *, user_id: str | None, kind: str) -> Listener:
        """A new client's listener, receiving every event raised from now on."""
        await self.start()
        listener = Listener(self, user_id=user_id, kind=kind, max_pending=self.max_pending)
        self.listeners.add(listener)
        return listener

    def discard(self, listener: Listener) -> None:
        if listener in self.listeners:
            self.listeners.discard(listener)
            if listener.overflowed:
                self.dropped_clients += 1

    def set_debug_mode(self, value: bool) -> None:
        self._debug_mode = (time.monotonic() + CONFIG_TTL, value)

    async def debug_mode(self) -> bool:
        cached = self._debug_mode
        if cached is not None and cached[0] > time.monotonic():
            return cached[1]
        value = (await settings.load(self.services.store)).debug_mode
        self.set_debug_mode(value)
        return value

    async def _run(self, subscription: Subscription) -> None:
        try:
            async for message in subscription:
                try:
                    frame = Frame(decode_event(message.data))
                except ValueError:
                    log.warning("ignored a message on %s that is not an event", EVENTS_SUBJECT)
                    continue
                if frame.severity == "debug" and not await self._debug_allowed():
                    continue
                for listener in list(self.listeners):
                    if listener.wants(frame):
                        listener.offer(frame)
                self.delivered += 1
        finally:
            for listener in list(self.listeners):
                listener.close("the server is stopping")
            self.listeners.clear()
            if self._ticker is not None:
                self._ticker.cancel()

    async def _tick(self) -> None:
        """Every `KEEPALIVE` seconds, a keepalive tick for every SSE client (as upstream's ticker)."""
        while self.running:
            await asyncio.sleep(KEEPALIVE)
            for listener in list(self.listeners):
                if listener.kind == "sse":
                    listener.keepalive()

    async def _debug_allowed(self) -> bool:
        try:
            return await self.debug_mode()
        except errors.MesheryError:
            return False  # database away: keep the default (debug events are not streamed)


_HUBS: weakref.WeakKeyDictionary[Bus, EventHub] = weakref.WeakKeyDictionary()


def hub_for(services: Services) -> EventHub:
    """The hub of `services`' bus, created on first use."""
    hub = _HUBS.get(services.bus)
    if hub is None:
        hub = _HUBS[services.bus] = EventHub(services)
    return hub
