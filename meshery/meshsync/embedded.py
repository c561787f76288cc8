"""Embedded MeshSync: list and watch one connected context from inside the server.

One ``ClusterSync`` per connected context. It discovers the API, lists every watched resource
(pages of 500, written as they arrive), removes stored objects a list no longer returns, then
watches each resource from the list's resourceVersion (bookmarks on). A 410 relists that
resource. When the API server goes away the connection becomes ``disconnected`` and the sync
retries with exponential backoff; once the server answers again the connection is
``connected`` and everything is relisted. CRDs are watched too: a new CRD triggers a
rediscovery, so its custom resources are listed and watched from then on, and (unless
``SKIP_COMP_GEN``) every CRD listed or watched is handed to the registry, which turns it into
components.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from generated import errors
from meshery.kube import ApiResource, KubeClient, KubeconfigError, KubeContext, KubeError, KubeExpired, KubeUnreachable
from meshery.meshsync.ingest import Change, Ingestor
from meshery.meshsync.model import model_name, object_id
from meshery.store import Store
from meshery.store import meshsync as tables

log = logging.getLogger(__name__)

BACKOFF_FIRST = 0.25
BACKOFF_MAX = 10.0
LIST_PAGE = 500
WATCH_SECONDS = 300  # the API server ends each watch after this; it is resumed from the last version
CRD_RESOURCE = "customresourcedefinitions.v1.apiextensions.k8s.io"

# Upstream MeshSync's default pipelines (internal/config/default_config.go), plural ids.
DEFAULT_RESOURCES = frozenset(
    {
        "namespaces.v1.",
        "configmaps.v1.",
        "nodes.v1.",
        "secrets.v1.",
        "persistentvolumes.v1.",
        "persistentvolumeclaims.v1.",
        "replicasets.v1.apps",
        "pods.v1.",
        "services.v1.",
        "deployments.v1.apps",
        "statefulsets.v1.apps",
        "daemonsets.v1.apps",
        "ingresses.v1.networking.k8s.io",
        "endpoints.v1.",
        "endpointslices.v1.discovery.k8s.io",
        "cronjobs.v1.batch",
        "replicationcontrollers.v1.",
        "storageclasses.v1.storage.k8s.io",
        "clusterroles.v1.rbac.authorization.k8s.io",
        "volumeattachments.v1.storage.k8s.io",
        "apiservices.v1.apiregistration.k8s.io",
        "ingressclasses.v1.networking.k8s.io",
        "jobs.v1.batch",
        "csidrivers.v1.storage.k8s.io",
        "csinodes.v1.storage.k8s.io",
        "controllerrevisions.v1.apps",
        CRD_RESOURCE,
        "limitranges.v1.",
        "horizontalpodautoscalers.v2.autoscaling",
        "mutatingwebhookconfigurations.v1.admissionregistration.k8s.io",
        "validatingwebhookconfigurations.v1.admissionregistration.k8s.io",
        "podtemplates.v1.",
        "poddisruptionbudgets.v1.policy",
        "priorityclasses.v1.scheduling.k8s.io",
        "clusterrolebindings.v1.rbac.authorization.k8s.io",
        "leases.v1.coordination.k8s.io",
        "networkpolicies.v1.networking.k8s.io",
        "resourcequotas.v1.",
        "roles.v1.rbac.authorization.k8s.io",
        "rolebindings.v1.rbac.authorization.k8s.io",
        "runtimeclasses.v1.node.k8s.io",
        "serviceaccounts.v1.",
    }
)

StatusCallback = Callable[[str, str, dict[str, Any]], Awaitable[None]]
CrdCallback = Callable[[list[dict[str, Any]]], Awaitable[object]]


def watched(resources: list[ApiResource]) -> list[ApiResource]:
    """The upstream default set plus every custom resource (group not built in), if listable."""
    out = []
    for res in resources:
        if "list" not in res.verbs or "watch" not in res.verbs:
            continue
        if res.id in DEFAULT_RESOURCES or model_name(res.api_version) == "":
            out.append(res)
    return out


class ClusterSync:
    """Discovery of one context for as long as its connection is connected."""

    def __init__(
        self,
        *,
        store: Store,
        ingestor: Ingestor,
        connection_id: str,
        context: KubeContext,
        on_status: StatusCallback,
        on_crds: CrdCallback | None = None,
    ) -> None:
        self.store = store
        self.on_crds = on_crds
        self.ingestor = ingestor
        self.connection_id = connection_id
        self.context = context
        self.on_status = on_status
        self.cluster_id = ""
        self.synced = asyncio.Event()
        self.answered = asyncio.Event()  # set after the first ping, reachable or not
        self.last_sync_seconds = 0.0
        self.objects_listed = 0
        self.relists = 0
        self.watch_seconds = WATCH_SECONDS
        self._refresh = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self.run(), name=f"meshsync-{self.context.name}")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def run(self) -> None:
        delay = BACKOFF_FIRST
        lost = False
        while True:
            try:
                client = await KubeClient.create(self.context)
            except KubeconfigError as exc:
                log.warning("context %s cannot be loaded: %s", self.context.name, exc)
                await self.on_status(self.connection_id, "not found", {})
                return
            try:
                version = await client.version()
                self.cluster_id = await client.cluster_id() or self.connection_id
                await self.on_status(
                    self.connection_id,
                    "connected",
                    {"version": version.get("gitVersion", ""), "kubernetes_server_id": self.cluster_id},
                )
                if lost:
                    log.info("context %s is reachable again; relisting", self.context.name)
                lost, delay = False, BACKOFF_FIRST
                self.answered.set()
                await self._sync(client)
            except KubeUnreachable as exc:
                if not lost:
                    err = errors.ErrMeshSyncDisconnected(f"context {self.context.name}: {exc}")
                    log.warning("%s: %s; retrying with backoff", err.code, err.message)
                    await self.on_status(self.connection_id, "disconnected", {})
                self.answered.set()
                lost = True
                self.synced.clear()
            except KubeError as exc:
                # Rejected credentials or a failing API server: not usable, as when unreachable.
                if not lost:
                    err = errors.ErrMeshSyncDisconnected(
                        f"context {self.context.name}: API error {exc.status} {exc.reason}"
                    )
                    log.warning("%s: %s; retrying with backoff", err.code, err.message)
                    await self.on_status(self.connection_id, "disconnected", {})
                self.answered.set()
                lost = True
                self.synced.clear()
            finally:
                await client.close()
            await asyncio.sleep(delay)
            delay = min(delay * 2, BACKOFF_MAX)

    async def _sync(self, client: KubeClient) -> None:
        started = time.perf_counter()
        self.objects_listed = 0
        resources = watched(await client.discover(refresh=True))
        running: dict[str, asyncio.Task[None]] = {}
        first_lists: list[asyncio.Event] = []

        def launch(res: ApiResource) -> None:
            listed = asyncio.Event()
            first_lists.append(listed)
            running[res.id] = asyncio.create_task(self._resource_loop(client, res, listed), name=f"watch-{res.id}")

        for res in resources:
            launch(res)
        waiter = asyncio.create_task(self._mark_synced(first_lists, started))
        try:
            while True:
                refresh = asyncio.create_task(self._refresh.wait())
                done, _ = await asyncio.wait([*running.values(), refresh], return_when=asyncio.FIRST_COMPLETED)
                if refresh in done:
                    self._refresh.clear()
                    for res in watched(await client.discover(refresh=True)):
                        if res.id not in running:
                            log.info("context %s: new resource %s; watching it", self.context.name, res.id)
                            launch(res)
                else:
                    refresh.cancel()
                for task in done:
                    if task is not refresh and task.exception() is not None:
                        raise task.exception()  # type: ignore[misc]
        finally:
            waiter.cancel()
            for task in running.values():
                task.cancel()
            await asyncio.gather(*running.values(), return_exceptions=True)

    async def _mark_synced(self, lists: list[asyncio.Event], started: float) -> None:
        for event in lists:
            await event.wait()
        await self.ingestor.drain()
        self.last_sync_seconds = time.perf_counter() - started
        log.info(
            "context %s: %d objects of %d resources listed and stored in %.2f s (%.0f objects/s, cluster %s); watching",
            self.context.name,
            self.objects_listed,
            len(lists),
            self.last_sync_seconds,
            self.objects_listed / max(self.last_sync_seconds, 1e-6),
            self.cluster_id,
        )
        self.synced.set()

    async def _resource_loop(self, client: KubeClient, res: ApiResource, listed: asyncio.Event) -> None:
        rv = await self._relist(client, res)
        listed.set()
        while True:
            try:
                async for event in client.watch(res, resource_version=rv, timeout_seconds=self.watch_seconds):
                    kind = event.get("type")
                    obj = event.get("object") or {}
                    rv = (obj.get("metadata") or {}).get("resourceVersion") or rv
                    if kind not in ("ADDED", "MODIFIED", "DELETED"):
                        continue
                    obj.setdefault("apiVersion", res.api_version)
                    obj.setdefault("kind", res.kind)
                    self.ingestor.submit(Change(kind, obj, self.cluster_id, self.connection_id))
                    if res.id == CRD_RESOURCE and kind == "ADDED":
                        self._refresh.set()
                    if res.id == CRD_RESOURCE and kind != "DELETED":
                        await self._crds_seen([obj])
            except KubeExpired:
                log.info("context %s: %s watch expired; relisting", self.context.name, res.id)
                self.relists += 1
                rv = await self._relist(client, res)

    async def _crds_seen(self, crds: list[dict[str, Any]]) -> None:
        """Hand CRDs to the registry (components from CRDs); its failures never stop discovery."""
        if self.on_crds is None or not crds:
            return
        try:
            await self.on_crds(crds)
        except Exception:
            log.exception("context %s: CRDs could not be handed to the registry", self.context.name)

    async def _relist(self, client: KubeClient, res: ApiResource) -> str:
        """List every object of ``res``; store them; drop stored ones that are gone."""
        await self.ingestor.drain()
        seen: set[str] = set()
        cont, rv = "", ""
        while True:
            try:
                page = await client.list(res, limit=LIST_PAGE, continue_=cont)
            except KubeError as exc:
                if exc.status in (403, 404, 405):
                    log.info("context %s: cannot list %s (%s)", self.context.name, res.id, exc.status)
                    return "0"
                raise
            changes = []
            if res.id == CRD_RESOURCE:
                await self._crds_seen(list(page.get("items") or []))
            for obj in page.get("items") or []:
                obj.setdefault("apiVersion", res.api_version)
                obj.setdefault("kind", res.kind)
                changes.append(Change("ADDED", obj, self.cluster_id, self.connection_id))
            if changes:
                await self.ingestor.write_now(changes)
            seen.update(object_id(c.obj, self.cluster_id) for c in changes)
            self.objects_listed += len(changes)
            meta = page.get("metadata") or {}
            rv = meta.get("resourceVersion") or rv
            cont = meta.get("continue") or ""
            if not cont:
                break
        stale = await tables.ids_of(self.store, self.cluster_id, res.api_version, res.kind) - seen
        if stale:
            await tables.delete_ids(self.store, sorted(stale))
            await self.ingestor.publish(
                [
                    {
                        "type": "DELETED",
                        "id": i,
                        "kind": res.kind,
                        "apiVersion": res.api_version,
                        "clusterID": self.cluster_id,
                        "connectionID": self.connection_id,
                    }
                    for i in sorted(stale)
                ]
            )
        return rv or "0"
