"""Adapter events become Meshery events, as upstream's events streamer builds them.

Upstream (``handlers/events_streamer.go``): description = ``summary``, category =
``component_name``, action ``deploy`` (``undeploy`` when the summary says "removed"), and for an
``ERROR`` event a MeshKit error built from ``error_code``, summary, details, probable cause and
remediation, stored as ``metadata.error``. Upstream leaves every adapter event ``informational``;
here WARN becomes ``warning`` and ERROR ``error`` so failures count as failures in the events
summary. The owner is the user who started the operation when the operation id is known.
"""

from __future__ import annotations

import asyncio
import uuid
from collections import OrderedDict
from typing import TYPE_CHECKING, Any

from generated.meshes import meshops_pb2 as pb
from meshery.events import NewEvent, Severity, raise_event

if TYPE_CHECKING:
    from meshery.adapters.tracker import AdapterState
    from meshery.context import Services

SEVERITY: dict[int, Severity] = {pb.INFO: "informational", pb.WARN: "warning", pb.ERROR: "error"}
MESHKIT_ALERT = 2  # meshkit errors.Alert, the severity upstream gives adapter errors
OWNERS_KEPT = 10_000
MIGRATION_POLL = 0.2


class OperationOwners:
    """Which user started which operation (bounded: the oldest are forgotten first)."""

    def __init__(self, size: int = OWNERS_KEPT) -> None:
        self.size = size
        self._owners: OrderedDict[str, str] = OrderedDict()

    def record(self, operation_id: str, user_id: str) -> None:
        self._owners[operation_id] = user_id
        while len(self._owners) > self.size:
            self._owners.popitem(last=False)

    def owner(self, operation_id: str) -> str | None:
        return self._owners.get(operation_id)


def _uuid_or_none(text: str) -> str | None:
    try:
        return str(uuid.UUID(text))
    except ValueError:
        return None


def to_event(state: AdapterState, event: pb.EventsResponse, owner: str | None) -> NewEvent:
    summary = event.summary or "Adapter event"
    metadata: dict[str, Any] = {
        "adapter": {"location": state.location, "name": state.name, "version": state.version},
        "component": event.component,
        "eventType": pb.EventType.Name(event.event_type) if event.event_type in SEVERITY else "INFO",
    }
    if event.details:
        metadata["details"] = event.details
    operation_id = _uuid_or_none(event.operation_id)
    if event.operation_id and operation_id is None:
        metadata["adapterOperationId"] = event.operation_id
    if event.event_type == pb.ERROR:
        # meshkit errors.Error marshals with its Go field names.
        metadata["error"] = {
            "Code": event.error_code,
            "Severity": MESHKIT_ALERT,
            "ShortDescription": [summary],
            "LongDescription": [event.details] if event.details else [],
            "ProbableCause": [event.probable_cause] if event.probable_cause else [],
            "SuggestedRemediation": [event.suggested_remediation] if event.suggested_remediation else [],
        }
    return NewEvent(
        category=event.component_name or "adapter",
        action="undeploy" if "removed" in summary else "deploy",
        severity=SEVERITY.get(event.event_type, "informational"),
        description=summary,
        user_id=owner,
        metadata=metadata,
        operation_id=operation_id,
    )


class EventRelay:
    """The tracker's event sink: store and publish each adapter event as a Meshery event."""

    def __init__(self, services: Services, owners: OperationOwners) -> None:
        self.services = services
        self.owners = owners
        self.relayed = 0

    async def __call__(self, state: AdapterState, event: pb.EventsResponse) -> None:
        # An adapter may speak before the database is migrated (or reachable): hold its events
        # (gRPC flow control holds the adapter) rather than drop them.
        while not self.services.store.migrated:  # noqa: ASYNC110 - the store offers no event to wait on
            await asyncio.sleep(MIGRATION_POLL)
        owner = self.owners.owner(event.operation_id) if event.operation_id else None
        await raise_event(self.services, to_event(state, event, owner))
        self.relayed += 1
