"""Building, storing and publishing one event in upstream's wire shape."""

from __future__ import annotations

import json
import logging
import re
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Literal, get_args

from generated.answers import wire_time
from meshery.bus import BusError
from meshery.store import events as event_store

if TYPE_CHECKING:
    from meshery.context import Services

log = logging.getLogger(__name__)

Severity = Literal["emergency", "alert", "critical", "error", "warning", "informational", "debug", "success"]
SEVERITIES: tuple[str, ...] = get_args(Severity)
# An event's status: "unread" (new) or "read", or another status word a client sets (upstream's
# handlers pass any status string on); a word of at most 16 characters (the stored column).
STATUS_WORD = re.compile(r"[A-Za-z][A-Za-z0-9_-]{0,15}")

#: Every replica publishes the events it stores here and streams what arrives to its clients.
EVENTS_SUBJECT = "meshery-server.events"


@dataclass(frozen=True)
class NewEvent:
    """What a producer knows about an event; ids and timestamps are added when it is raised."""

    category: str
    action: str
    description: str
    severity: Severity = "informational"
    acted_upon: str | None = None
    user_id: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    operation_id: str | None = None
    status: str = "unread"

    def __post_init__(self) -> None:
        if self.severity not in SEVERITIES:
            raise ValueError(f"severity {self.severity!r} is not one of {', '.join(SEVERITIES)}")
        if not STATUS_WORD.fullmatch(self.status):
            raise ValueError(f"status {self.status!r} is not a status word (letters, digits, _ and -, at most 16)")


def _timestamp(value: datetime) -> str:
    # SQLite hands timestamps back without a zone; they were stored in UTC.
    return wire_time(value)


def wire(row: dict[str, Any]) -> dict[str, Any]:
    """The upstream JSON of a stored event (``owner`` omitted when empty, as meshkit does)."""
    body: dict[str, Any] = {
        "id": row["id"],
        "actedUpon": row["acted_upon"] or "",
        "action": row["action"],
        "category": row["category"],
        "description": row["description"],
        "metadata": row["metadata"],
        "operationId": row["operation_id"] or "",
        "severity": row["severity"],
        "status": row["status"],
        "systemId": row["system_id"] or "",
        "createdAt": _timestamp(row["created_at"]),
        "updatedAt": _timestamp(row["updated_at"]),
        "deletedAt": _timestamp(row["deleted_at"]) if row["deleted_at"] else None,
    }
    if row["user_id"]:
        body["owner"] = row["user_id"]
    return body


async def raise_event(services: Services, event: NewEvent) -> dict[str, Any]:
    """Store `event`, publish it to every replica and return its upstream JSON.

    A bus failure is logged, not raised: the event is stored and clients that poll
    ``GET /api/system/events`` still see it.
    """
    now = datetime.now(UTC)
    row: dict[str, Any] = {
        "id": str(uuid.uuid4()),
        "user_id": event.user_id,
        "system_id": services.instance_id or None,
        "acted_upon": event.acted_upon,
        "operation_id": event.operation_id or str(uuid.uuid4()),
        "category": event.category,
        "action": event.action,
        "severity": event.severity,
        "status": event.status,
        "description": event.description,
        "metadata": json.loads(json.dumps(event.metadata, default=str)),
        "created_at": now,
        "updated_at": now,
        "deleted_at": None,
    }
    await event_store.insert_events(services.store, [row])
    body = wire(row)
    try:
        await services.bus.publish(EVENTS_SUBJECT, json.dumps(body, default=str).encode())
    except BusError as exc:
        log.warning("event %s stored but not published: %s", body["id"], exc)
    return body


def decode_event(data: bytes) -> dict[str, Any]:
    """The event JSON carried by a bus message on ``EVENTS_SUBJECT``."""
    value = json.loads(data)
    if not isinstance(value, dict) or "id" not in value:
        raise ValueError("not an event")
    return value
