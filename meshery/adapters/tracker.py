"""Tracks every known adapter: one watcher task each keeps it connected and relays its events.

A watcher connects (asking the current service, then the legacy one), records name, version,
build and supported operations, marks the adapter ``up`` and consumes ``StreamEvents`` for as
long as the stream lasts. When the adapter cannot be reached or the stream breaks it is marked
``down`` and the watcher retries with exponential backoff (``BACKOFF_FIRST`` doubling up to
``BACKOFF_MAX``), so an adapter that starts after the server, or restarts, is picked up again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Literal

from generated.meshes import meshops_pb2 as pb
from meshery import adapter_address as address
from meshery.adapters.client import AdapterClient, AdapterError, Operation, StreamExpired

log = logging.getLogger(__name__)

BACKOFF_FIRST = 0.2
BACKOFF_MAX = 5.0

Health = Literal["connecting", "up", "down"]
EventSink = Callable[["AdapterState", pb.EventsResponse], Awaitable[None]]


@dataclass
class AdapterState:
    """What is known of one adapter right now."""

    location: str
    name: str = ""
    version: str = ""
    git_commit_sha: str = ""
    service: str = ""
    health: Health = "connecting"
    error: str = ""
    operations: list[Operation] = field(default_factory=list)
    since: float = field(default_factory=time.time)
    events_relayed: int = 0
    connects: int = 0

    def operation(self, key: str) -> Operation | None:
        return next((op for op in self.operations if op.key == key), None)


class AdapterTracker:
    """Adapters by location, each watched by its own task; ``stop`` ends them all."""

    def __init__(
        self,
        *,
        on_event: EventSink | None = None,
        backoff_first: float = BACKOFF_FIRST,
        backoff_max: float = BACKOFF_MAX,
        allow_remote: bool = True,
    ) -> None:
        self.on_event = on_event
        self.backoff_first = backoff_first
        self.backoff_max = backoff_max
        self.allow_remote = allow_remote
        self._states: dict[str, AdapterState] = {}
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._clients: dict[str, AdapterClient] = {}
        self._changed = asyncio.Condition()
        self.stopped = False

    # --- membership -----------------------------------------------------------------------

    def check(self, location: str) -> address.Location:
        """Parse a location and refuse one this server may not dial (see ``allow_remote``)."""
        loc = address.parse(location)
        if not self.allow_remote and not loc.is_loopback:
            raise address.LocationNotAllowed(f"{location!r}: only loopback adapters are allowed on this server")
        return loc

    def add(self, location: str) -> AdapterState:
        """Start watching ``location`` (idempotent); returns its state."""
        loc = self.check(location)
        key = address.normalize(location)
        state = self._states.get(key)
        if state is None:
            state = self._states[key] = AdapterState(location=key)
            client = self._clients[key] = AdapterClient(loc)
            self._tasks[key] = asyncio.create_task(self._watch(state, client), name=f"adapter {key}")
        return state

    async def remove(self, location: str) -> bool:
        key = address.normalize(location)
        task = self._tasks.pop(key, None)
        client = self._clients.pop(key, None)
        self._states.pop(key, None)
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if client is not None:
            await client.close()
        return task is not None

    def get(self, location: str) -> AdapterState | None:
        try:
            return self._states.get(address.normalize(location))
        except address.InvalidLocation:
            return None

    def states(self) -> list[AdapterState]:
        return list(self._states.values())

    def client(self, location: str) -> AdapterClient | None:
        """The tracked adapter's channel (shared; do not close it)."""
        try:
            return self._clients.get(address.normalize(location))
        except address.InvalidLocation:
            return None

    async def stop(self) -> None:
        self.stopped = True
        for key in list(self._tasks):
            await self.remove(key)

    async def wait_for(self, location: str, health: Health, seconds: float) -> AdapterState:
        """Wait until the adapter at ``location`` reaches ``health`` (for tests and start-up)."""
        key = address.normalize(location)

        def reached() -> bool:
            state = self._states.get(key)
            return state is not None and state.health == health

        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(reached), seconds)
        return self._states[key]

    # --- watching ---------------------------------------------------------------------------

    async def _set(self, state: AdapterState, health: Health, error: str = "") -> None:
        if state.health != health:
            state.since = time.time()
            level = logging.INFO if health == "up" else logging.WARNING
            log.log(level, "adapter %s (%s) is %s%s", state.location, state.name or "?", health,
                    f": {error}" if error else "")
        state.health, state.error = health, error
        async with self._changed:
            self._changed.notify_all()

    async def _watch(self, state: AdapterState, client: AdapterClient) -> None:
        delay = self.backoff_first
        while True:
            try:
                info = await client.describe()
                state.name, state.version, state.git_commit_sha = info.name, info.version, info.git_commit_sha
                state.service, state.operations = info.service, info.operations
                state.connects += 1
                await self._set(state, "up")
                delay = self.backoff_first
                await self._relay(state, client)
                await self._set(state, "down", "the event stream ended")
            except AdapterError as exc:
                await self._set(state, "down", exc.detail)
            await asyncio.sleep(delay)
            delay = min(delay * 2, self.backoff_max)

    async def _relay(self, state: AdapterState, client: AdapterClient) -> None:
        """Consume StreamEvents until the adapter ends it; one that hit its deadline is opened again."""
        while True:
            try:
                async for event in client.events():
                    state.events_relayed += 1
                    if self.on_event is not None:
                        try:
                            await self.on_event(state, event)
                        except Exception:
                            log.exception("relaying an event of adapter %s failed", state.location)
                return
            except StreamExpired:
                continue
