"""Events and watches: what a write produces and how an open watch filters and receives it."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

Key = tuple[str, str]
Obj = dict[str, Any]


def now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class Event:
    rv: int
    key: Key
    type: str  # ADDED, MODIFIED, DELETED
    obj: Obj
    old: Obj | None = None


@dataclass(eq=False)
class Watcher:
    """One open watch; events are pushed onto ``queue`` from any thread (``None`` ends it)."""

    key: Key
    namespace: str | None
    matches: Callable[[Obj], bool]
    loop: asyncio.AbstractEventLoop
    queue: asyncio.Queue[Event | None] = field(default_factory=asyncio.Queue)

    def push(self, item: Event | None) -> None:
        with contextlib.suppress(RuntimeError):  # the loop has closed: the watch is gone anyway
            self.loop.call_soon_threadsafe(self.queue.put_nowait, item)

    def view(self, event: Event) -> Event | None:
        """The event as this watch sees it (an update out of a selector is a DELETED), or None."""
        if event.key != self.key:
            return None
        ns = event.obj.get("metadata", {}).get("namespace")
        if self.namespace is not None and ns != self.namespace:
            return None
        new_ok = self.matches(event.obj)
        if event.type == "MODIFIED" and event.old is not None:
            old_ok = self.matches(event.old)
            if old_ok and not new_ok:
                return Event(event.rv, event.key, "DELETED", event.obj)
            if new_ok and not old_ok:
                return Event(event.rv, event.key, "ADDED", event.obj)
        return event if new_ok else None

    def offer(self, event: Event) -> None:
        seen = self.view(event)
        if seen is not None:
            self.push(seen)
