"""Adapter events become Meshery events, as upstream's events streamer builds them.

Upstream (``handlers/events_streamer.go``): description = ``summary``, category =
``component_name``, action ``deploy`` (``undeploy`` when the summary says "removed"), and for an
``ERROR`` event a MeshKit error built from ``error_code``, summary, details, probable cause and
remediation, stored as ``metadata.error``. Upstream leaves every adapter event ``informational``;
here WARN becomes ``warning`` and ERROR ``error`` so failures count as failures in the events
summary. The owner is the user who started the operation when the operation id is known.

Every replica watching an adapter receives each of its events; a claim row keyed by the
event's fingerprint (its content, and which occurrence of that content it is on the stream)
lets exactly one replica relay it.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import uuid
from collections import OrderedDict
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from generated.meshes import meshops_pb2 as pb
from meshery.events import NewEvent, Severity, raise_event
from meshery.store import adapters as table

if TYPE_CHECKING:
    from meshery.adapters.tracker import AdapterState
    from meshery.context import Services

SEVERITY: dict[int, Severity] = {pb.INFO: "informational", pb.WARN: "warning", pb.ERROR: "error"}
MESHKIT_ALERT = 2  # meshkit errors.Alert, the severity upstream gives adapter errors
OWNERS_KEPT = 10_000
MIGRATION_POLL = 0.2
CLAIMS_KEPT = timedelta(hours=1)
PRUNE_EVERY = 1000


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


class Fingerprints:
    """Content fingerprints numbered by occurrence, the same on every replica reading the stream."""

    def __init__(self, size: int = OWNERS_KEPT) -> None:
        self.size = size
        self._seen: OrderedDict[str, int] = OrderedDict()

    def __call__(self, location: str, event: pb.EventsResponse) -> str:
        content = json.dumps([
            location, event.event_type, event.summary, event.details, event.operation_id, event.error_code,
            event.probable_cause, event.suggested_remediation, event.component, event.component_name,
        ])
        occurrence = self._seen.pop(content, 0) + 1
        self._seen[content] = occurrence
        while len(self._seen) > self.size:
            self._seen.popitem(last=False)
        return hashlib.sha256(f"{content}#{occurrence}".encode()).hexdigest()


class EventRelay:
    """The tracker's event sink: store and publish each adapter event as a Meshery event."""

    def __init__(self, services: Services, owners: OperationOwners) -> None:
        self.services = services
        self.owners = owners
        self.fingerprints = Fingerprints()
        self.relayed = 0
        self.skipped = 0

    async def _owner(self, operation_id: str) -> str | None:
        if not operation_id:
            return None
        owner = self.owners.owner(operation_id)
        if owner is None and _uuid_or_none(operation_id):
            owner = await table.operation_owner(self.services.store, operation_id)  # started on another replica
        return owner

    async def __call__(self, state: AdapterState, event: pb.EventsResponse) -> None:
        # An adapter may speak before the database is migrated (or reachable): hold its events
        # (gRPC flow control holds the adapter) rather than drop them.
        while not self.services.store.migrated:  # noqa: ASYNC110 - the store offers no event to wait on
            await asyncio.sleep(MIGRATION_POLL)
        store = self.services.store
        if not await table.claim_event(store, self.fingerprints(state.location, event)):
            self.skipped += 1  # another replica relays this one
            return
        await raise_event(self.services, to_event(state, event, await self._owner(event.operation_id)))
        self.relayed += 1
        if self.relayed % PRUNE_EVERY == 0:
            await table.prune_claims(store, CLAIMS_KEPT)
