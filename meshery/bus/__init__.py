"""The event bus: publish/subscribe with NATS semantics, in-process or over NATS.

Callers depend on `Bus` and build one with `create_bus`; `meshery.bus.nats` is the only module
in the project that imports the NATS client.
"""

from __future__ import annotations

from meshery.bus.base import (
    DEFAULT_MAX_PENDING,
    Bus,
    BusError,
    BusNotRunning,
    InvalidQueueGroup,
    InvalidSubject,
    Message,
    NoResponders,
    RequestTimeout,
    Subscription,
    subject_matches,
    validate_subject,
)

__all__ = [
    "DEFAULT_MAX_PENDING",
    "Bus",
    "BusError",
    "BusNotRunning",
    "InvalidQueueGroup",
    "InvalidSubject",
    "Message",
    "NoResponders",
    "RequestTimeout",
    "Subscription",
    "create_bus",
    "subject_matches",
    "validate_subject",
]


def create_bus(*, nats_url: str | None, name: str) -> Bus:
    """A NATS bus when `nats_url` is set (comma-separated URLs allowed), else an in-process one."""
    if nats_url:
        # Imported here so that an embedded deployment never loads the NATS client.
        from meshery.bus import nats

        return nats.NatsBus(url=nats_url, name=name)
    from meshery.bus import memory

    return memory.MemoryBus(name=name)
