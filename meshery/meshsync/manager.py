"""The running Kubernetes side of one server: credentials box, ingestion, syncs, operator consumer.

``meshery.lifecycle`` creates it as ``services.kube`` right after the services and starts it
once the database is ready. It owns one ``ClusterSync`` per connected Kubernetes connection in embedded
mode, the NATS consumer in operator mode, and the connection status changes both cause
(persisted, published on ``meshery-server.kubernetes.contexts`` and raised as events).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from functools import partial
from typing import Any

from generated import errors
from meshery import notify
from meshery.connection_config import embedded_sync_wanted
from meshery.context import Services
from meshery.events import Severity
from meshery.kube import KubeContext
from meshery.meshsync.embedded import ClusterSync
from meshery.meshsync.ingest import Ingestor
from meshery.meshsync.operator import OperatorConsumer
from meshery.registry.cluster import ClusterComponents
from meshery.secrets import SecretBox, SecretError
from meshery.store import connections as repo
from meshery.store import meshsync as tables
from meshery.store.connections import Connection

log = logging.getLogger(__name__)

CONTEXTS_SUBJECT = "meshery-server.kubernetes.contexts"


class KubeRuntime:
    def __init__(self, services: Services) -> None:
        self.services = services
        self.box = SecretBox.for_folder(services.settings.user_data_folder)
        self.ingestor = Ingestor(services.store, services.bus)
        self.components = None if services.settings.skip_comp_gen else ClusterComponents(services)
        self.syncs: dict[str, ClusterSync] = {}
        self.operator: OperatorConsumer | None = None
        self.started = False
        self._lock = asyncio.Lock()

    @property
    def embedded(self) -> bool:
        return self.services.settings.meshsync_default_deployment_mode != "operator"

    async def start(self) -> None:
        """Resume discovery of every connected context; start the NATS consumer when NATS is used."""
        if self.started:
            return
        self.started = True
        self.ingestor.start()
        if self.services.settings.nats_url:
            self.operator = OperatorConsumer(self.services, self.ingestor)
            await self.operator.start()
        if self.embedded:
            for conn in await repo.connections_by_kind(
                self.services.store, "kubernetes", ["connected", "disconnected"]
            ):
                await self.start_sync(conn)

    async def stop(self) -> None:
        for conn_id in list(self.syncs):
            await self.stop_sync(conn_id)
        if self.operator is not None:
            await self.operator.stop()
            self.operator = None
        await self.ingestor.stop()
        self.started = False

    # --- contexts ---------------------------------------------------------------------------

    async def context_of(self, conn: Connection) -> KubeContext:
        if not conn.credential_id:
            raise errors.ErrCredentialUnreadable(f"connection {conn.id} has no credential")
        cred = await repo.get_credential(self.services.store, conn.credential_id)
        if cred is None:
            raise errors.ErrCredentialUnreadable(f"credential of connection {conn.id} is missing")
        try:
            secret = self.box.open(cred.secret)
        except SecretError as exc:
            raise errors.ErrCredentialUnreadable(str(exc)) from None
        return KubeContext.from_parts(
            name=secret["name"], cluster=secret["cluster"], auth=secret["auth"], namespace=secret.get("namespace", "")
        )

    # --- syncs ------------------------------------------------------------------------------

    async def start_sync(self, conn: Connection) -> ClusterSync | None:
        if not self.embedded or not self.started:
            return None
        if not embedded_sync_wanted(conn, self.services.settings.meshsync_default_deployment_mode):
            return None  # this connection's controller configuration leaves discovery to MeshSync in the cluster
        async with self._lock:
            existing = self.syncs.get(conn.id)
            if existing is not None:
                return existing
            try:
                ctx = await self.context_of(conn)
            except errors.MesheryError as exc:
                log.warning("%s: %s", exc.code, exc.message)
                return None
            sync = ClusterSync(
                store=self.services.store,
                ingestor=self.ingestor,
                connection_id=conn.id,
                context=ctx,
                on_status=self.set_status,
                on_crds=None if self.components is None else partial(self.components.crds_seen, context=ctx.name),
            )
            self.syncs[conn.id] = sync
            sync.start()
            return sync

    async def stop_sync(self, conn_id: str) -> None:
        sync = self.syncs.pop(conn_id, None)
        if sync is not None:
            await sync.stop()

    async def set_status(self, conn_id: str, status: str, meta: dict[str, Any]) -> None:
        """Persist a status the server observed (MeshSync), publish it and raise an event."""
        conn = await repo.get_connection(self.services.store, conn_id)
        if conn is None:
            return
        merged = {**(conn.meta or {}), **meta}
        if conn.status == status and merged == conn.meta:
            return
        await repo.set_status(self.services.store, conn_id, status, merged)
        await self.publish_context(conn_id, status)
        if conn.status != status:
            severity: Severity = "warning" if status in ("disconnected", "not found") else "informational"
            await notify.raise_event(
                self.services,
                category="connection",
                action="update",
                severity=severity,
                acted_upon=conn_id,
                description=f"Kubernetes connection {conn.name} is {status}",
                metadata={"status": status},
            )

    async def publish_context(self, conn_id: str, status: str) -> None:
        try:
            await self.services.bus.publish(CONTEXTS_SUBJECT, json.dumps({"id": conn_id, "status": status}).encode())
        except Exception as exc:  # the status is stored; a missed notification is not fatal
            log.debug("context change not published: %s", exc)

    async def change_status(self, conn: Connection, target: str) -> Connection:
        """A user-requested transition of a Kubernetes connection, with MeshSync side effects."""
        if target == "connected":
            await repo.set_status(self.services.store, conn.id, "connected")
            sync = await self.start_sync(conn)
            if sync is not None:
                # Wait briefly for the first answer, so the reply says connected or disconnected.
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(sync.answered.wait(), 5.0)
        else:
            await self.stop_sync(conn.id)
            await repo.set_status(self.services.store, conn.id, target)
        await self.publish_context(conn.id, target)
        updated = await repo.get_connection(self.services.store, conn.id)
        assert updated is not None
        return updated

    async def forget(self, conn: Connection) -> None:
        """Stop discovery of a connection being deleted and drop its discovered objects."""
        await self.stop_sync(conn.id)
        cluster_id = (conn.meta or {}).get("kubernetes_server_id")
        if cluster_id:
            await tables.delete_cluster(self.services.store, str(cluster_id))
        await self.publish_context(conn.id, "deleted")

