"""The server event configuration (``/api/system/events/config``), shared by every replica.

Kept as one JSON value in ``system_settings`` so that a change made through one replica
is read by all; each hub trusts its copy for `stream.CONFIG_TTL` seconds.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import UTC, datetime

from meshery.store import Store
from meshery.store import events as event_store

KEY = "events.config"


@dataclass(frozen=True)
class EventsConfig:
    """`debug_mode`: stream events of severity ``debug`` too (they are always stored)."""

    debug_mode: bool = False


async def load(store: Store) -> EventsConfig:
    raw = await event_store.get_setting(store, KEY)
    if not raw:
        return EventsConfig()
    try:
        value = json.loads(raw)
        return EventsConfig(debug_mode=bool(value.get("debug_mode", False)))
    except (ValueError, AttributeError):
        return EventsConfig()


async def save(store: Store, config: EventsConfig) -> EventsConfig:
    await event_store.put_setting(store, KEY, json.dumps(asdict(config)), now=datetime.now(UTC))
    return config
