"""Events: the one way every area raises an event (persist, then publish on the bus).

An event is what upstream meshkit calls ``events.Event``: something that happened to an
entity (a connection, a design, the registry ...), raised by a user or by the system. It is
stored first, so nothing a client was told about can be missing from ``GET
/api/system/events``, then published on ``EVENTS_SUBJECT`` so the live streams of every
replica (SSE and GraphQL) deliver it.
"""

from __future__ import annotations

from meshery.events.core import (
    EVENTS_SUBJECT,
    SEVERITIES,
    STATUS_WORD,
    NewEvent,
    Severity,
    decode_event,
    raise_event,
)

__all__ = [
    "EVENTS_SUBJECT",
    "SEVERITIES",
    "STATUS_WORD",
    "NewEvent",
    "Severity",
    "decode_event",
    "raise_event",
]
