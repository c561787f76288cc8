"""Operator mode: consume upstream MeshSync messages from NATS and store them.

Subscribes to ``meshery.meshsync.core`` (events) and ``meshery-server.meshsync.store`` (store
snapshots) in the queue group ``meshery-server``, so with several replicas on one NATS each
message is handled by exactly one of them. Then asks MeshSync for a snapshot by publishing an
``informer-store`` request on ``meshery.meshsync.request``. Messages are upstream's
``broker.Message`` JSON: capitalised keys, ``Object`` a KubernetesResource (or an array of them
in snapshots) whose spec/status carry raw JSON text.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from typing import Any

from generated import errors
from meshery.bus import Subscription
from meshery.context import Services
from meshery.meshsync.ingest import Change, Ingestor
from meshery.meshsync.model import wire_to_object

log = logging.getLogger(__name__)

CORE_SUBJECT = "meshery.meshsync.core"
REQUEST_SUBJECT = "meshery.meshsync.request"
STORE_SUBJECT = "meshery-server.meshsync.store"
QUEUE_GROUP = "meshery-server"
EVENT_TYPES = ("ADDED", "MODIFIED", "DELETED")


def request_message(entity: str, payload: Any = None) -> bytes:
    """An upstream ``broker.Message`` carrying a request to MeshSync."""
    return json.dumps(
        {
            "ObjectType": "request-payload",
            "EventType": "",
            "Request": {"Entity": entity, "Payload": payload},
            "Object": None,
        }
    ).encode()


def changes_of(data: bytes, *, snapshot: bool) -> list[Change]:
    """The changes one message carries; raises ErrMeshSyncMessage when it is not a MeshSync message."""
    try:
        msg = json.loads(data)
    except ValueError:
        raise errors.ErrMeshSyncMessage("not JSON") from None
    if not isinstance(msg, dict) or "Object" not in msg:
        raise errors.ErrMeshSyncMessage("no Object key")
    obj = msg["Object"]
    if snapshot or isinstance(obj, list):
        items, event = (obj if isinstance(obj, list) else [obj]), "ADDED"
    else:
        items, event = [obj], str(msg.get("EventType") or "")
        if event not in EVENT_TYPES:
            return []
    out = []
    for item in items:
        if not isinstance(item, dict) or not item.get("kind"):
            raise errors.ErrMeshSyncMessage("Object is not a KubernetesResource")
        k8s, cluster_id = wire_to_object(item)
        out.append(Change(event, k8s, cluster_id))
    return out


class OperatorConsumer:
    def __init__(self, services: Services, ingestor: Ingestor) -> None:
        self.services = services
        self.ingestor = ingestor
        self.received = 0
        self.rejected = 0
        self._subs: list[Subscription] = []
        self._tasks: list[asyncio.Task[None]] = []

    async def start(self) -> None:
        bus = self.services.bus
        for subject, snapshot in ((CORE_SUBJECT, False), (STORE_SUBJECT, True)):
            sub = await bus.subscribe(subject, queue=QUEUE_GROUP, max_pending=50_000)
            self._subs.append(sub)
            self._tasks.append(asyncio.create_task(self._consume(sub, snapshot=snapshot), name=f"meshsync-{subject}"))
        await self.request_snapshot()
        log.info("MeshSync operator mode: consuming %s and %s (queue %s)", CORE_SUBJECT, STORE_SUBJECT, QUEUE_GROUP)

    async def request_snapshot(self) -> None:
        with contextlib.suppress(Exception):
            await self.services.bus.publish(
                REQUEST_SUBJECT, request_message("informer-store", {"Reply": STORE_SUBJECT})
            )

    async def resync(self) -> None:
        await self.services.bus.publish(REQUEST_SUBJECT, request_message("resync-discovery"))

    async def stop(self) -> None:
        for sub in self._subs:
            await sub.unsubscribe()
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._subs.clear()
        self._tasks.clear()

    async def _consume(self, sub: Subscription, *, snapshot: bool) -> None:
        async for message in sub:
            try:
                changes = changes_of(message.data, snapshot=snapshot)
            except errors.MesheryError as exc:
                self.rejected += 1
                if self.rejected == 1 or self.rejected % 1000 == 0:
                    log.warning("%s: %s on %s (%d so far)", exc.code, exc.message, message.subject, self.rejected)
                continue
            self.received += 1
            self.ingestor.submit_many(changes)
