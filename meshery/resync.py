"""resyncCluster: forget a context's objects and/or discover it again.

A service over both ``meshery.contexts`` (which finds the context) and the MeshSync runtime
(``services.kube``), so it sits above them rather than inside ``meshery.meshsync``.
"""

from __future__ import annotations

from typing import Any

from meshery import contexts
from meshery.context import Services
from meshery.store import meshsync as tables


def _true(value: Any) -> bool:
    return str(value).strip().lower() in ("true", "1", "yes")


async def resync(services: Services, context_id: str, selector: dict[str, Any]) -> str:
    """Upstream's ReSyncActions: clearDB (forget objects), ReSync/hardReset (list again)."""
    conn = await contexts.find(services, context_id)
    runtime = services.kube
    cluster_id = str((conn.meta or {}).get("kubernetes_server_id") or "")
    if (_true(selector.get("clearDB")) or _true(selector.get("hardReset"))) and cluster_id:
        await tables.delete_cluster(services.store, cluster_id)
    if _true(selector.get("ReSync")) or _true(selector.get("hardReset")):
        if runtime.operator is not None:
            await runtime.operator.resync()
        if conn.id in runtime.syncs:
            await runtime.stop_sync(conn.id)
            await runtime.start_sync(conn)
    return "PROCESSING"
