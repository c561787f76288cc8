"""Live MeshSync events for GraphQL ``subscribeMeshSyncEvents``, read from the bus.

Every batch the ingestor writes is announced on ``ingest.CHANGES_SUBJECT`` (from any replica);
each change becomes one upstream ``MeshSyncEvent``: its type, the object as MeshSync sends it
(read back from the store, so it is the stored state; for DELETED only the object's identity) and
the connection and context of its cluster.
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncGenerator, Sequence
from typing import Any

from meshery.context import Services
from meshery.meshsync import ingest, model
from meshery.store import connections as conn_repo
from meshery.store import meshsync as tables

log = logging.getLogger(__name__)

MAX_PENDING = 1024


class _Clusters:
    """Which Kubernetes connection and context a cluster id belongs to (reloaded on a miss)."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.by_cluster: dict[str, tuple[str, str]] = {}

    async def reload(self) -> None:
        self.by_cluster = {}
        for conn in await conn_repo.connections_by_kind(self.services.store, "kubernetes"):
            meta = conn.meta or {}
            if meta.get("kubernetes_server_id"):
                self.by_cluster[str(meta["kubernetes_server_id"])] = (conn.id, str(meta.get("id") or conn.id))

    async def ids(self, cluster_id: str, connection_id: str) -> tuple[str, str]:
        """(connection id, context id) of a change."""
        if cluster_id not in self.by_cluster:
            await self.reload()
        found = self.by_cluster.get(cluster_id)
        if found is not None:
            return found
        return connection_id, connection_id


def _identity(change: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": change.get("id", ""),
        "apiVersion": change.get("apiVersion", ""),
        "kind": change.get("kind", ""),
        "metadata": {"name": change.get("name", ""), "namespace": change.get("namespace", "")},
        "cluster_id": change.get("clusterID", ""),
    }


async def watch(
    services: Services, ids: Sequence[str] | None, event_types: Sequence[str] | None
) -> AsyncGenerator[dict[str, Any]]:
    """MeshSyncEvents of the clusters of ``ids`` (connection, context or cluster ids; none: all)."""
    wanted = {i for i in ids or () if i}
    types = {t for t in event_types or () if t}
    clusters = _Clusters(services)
    subscription = await services.bus.subscribe(ingest.CHANGES_SUBJECT, max_pending=MAX_PENDING)
    try:
        async for message in subscription:
            try:
                changes = json.loads(message.data).get("changes") or []
            except (ValueError, AttributeError):
                log.debug("malformed meshsync change summary ignored")
                continue
            selected = []
            for change in changes:
                if types and change.get("type") not in types:
                    continue
                cluster_id = str(change.get("clusterID", ""))
                connection_id, context_id = await clusters.ids(cluster_id, str(change.get("connectionID", "")))
                if wanted and not wanted & {cluster_id, connection_id, context_id}:
                    continue
                selected.append((change, connection_id, context_id))
            # One read for the batch: the objects as stored (a deleted one has only its identity).
            stored = await tables.get_resources(
                services.store, [str(c.get("id", "")) for c, _, _ in selected if c.get("type") != "DELETED"]
            )
            for change, connection_id, context_id in selected:
                item = stored.get(str(change.get("id", ""))) if change.get("type") != "DELETED" else None
                yield {
                    "type": change.get("type", ""),
                    "object": model.to_wire(item) if item is not None else _identity(change),
                    "connectionID": connection_id,
                    "contextId": context_id,
                }
    finally:
        await subscription.unsubscribe()
