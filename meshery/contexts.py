"""Kubernetes contexts: kubeconfig upload and preview, contexts as connections, ping.

Each uploaded context becomes a connection of kind ``kubernetes`` (id derived from the context
and the owner, so a second upload updates it) with its cluster and user blocks sealed in a
credential. Selected contexts are registered, pinged concurrently and, when they answer,
connected (MeshSync starts); those that do not answer are reported and kept as ``not found``.
With ``inClusterConfig`` the cluster the server runs in is registered from its service account
(``in_cluster_kubeconfig``), as upstream does.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from generated import errors
from generated.answers import wire_time
from meshery import notify
from meshery.connections import CONNECTED, NOT_FOUND, REGISTERED
from meshery.context import Services
from meshery.kube import KubeClient, KubeconfigError, KubeContext, KubeError, KubeUnreachable, parse_kubeconfig
from meshery.store import connections as repo
from meshery.store.connections import Connection, ConnectionFilter, Credential

_NS = uuid.UUID("5b3f2a4e-8c1d-4e7a-9f60-2d1c0b9a8e77")
PING_TIMEOUT = 3.0
# Where Kubernetes mounts a pod's service account (token, CA bundle, namespace).
SERVICE_ACCOUNT_DIR = Path("/var/run/secrets/kubernetes.io/serviceaccount")
IN_CLUSTER = "in-cluster"
IN_CLUSTER_DEPLOYMENT = "in_cluster"
OUT_OF_CLUSTER_DEPLOYMENT = "out_of_cluster"


def in_cluster_kubeconfig(env: dict[str, str] | None = None, account: Path | None = None) -> bytes:
    """A kubeconfig of the cluster this server runs in, from the pod's service account.

    Raises ``ErrNotInCluster`` when not running in a cluster (no ``KUBERNETES_SERVICE_HOST``, or no
    token or CA file).
    """
    env = dict(os.environ) if env is None else env
    account = SERVICE_ACCOUNT_DIR if account is None else account
    host = env.get("KUBERNETES_SERVICE_HOST", "").strip()
    port = env.get("KUBERNETES_SERVICE_PORT", "443").strip() or "443"
    if not host:
        raise errors.ErrNotInCluster("not running in a Kubernetes cluster: KUBERNETES_SERVICE_HOST is not set")
    try:
        token = (account / "token").read_text(encoding="utf-8").strip()
        ca = (account / "ca.crt").read_bytes()
    except OSError as exc:
        raise errors.ErrNotInCluster(
            f"not running in a Kubernetes cluster: no service account ({exc.strerror})"
        ) from None
    try:
        namespace = (account / "namespace").read_text(encoding="utf-8").strip()
    except OSError:
        namespace = "default"
    server = f"https://[{host}]:{port}" if ":" in host else f"https://{host}:{port}"
    doc = {
        "clusters": [{"name": IN_CLUSTER, "cluster": {
            "server": server, "certificate-authority-data": base64.b64encode(ca).decode()}}],
        "users": [{"name": IN_CLUSTER, "user": {"token": token}}],
        "contexts": [{"name": IN_CLUSTER, "context": {
            "cluster": IN_CLUSTER, "user": IN_CLUSTER, "namespace": namespace}}],
        "current-context": IN_CLUSTER,
    }  # fmt: skip
    return json.dumps(doc).encode()


def parse(text: bytes) -> list[KubeContext]:
    try:
        return parse_kubeconfig(text)
    except KubeconfigError as exc:
        raise errors.ErrKubeconfigInvalid(str(exc)) from None


def preview(text: bytes) -> list[dict[str, Any]]:
    """The contexts of a kubeconfig, nothing stored (upstream answers ``[{"name": ...}]``)."""
    return [{"name": c.name, "id": c.id, "server": c.server, "is_current_context": c.current} for c in parse(text)]


def context_view(conn: Connection) -> dict[str, Any]:
    """What a Kubernetes connection's ``K8sContext`` answer carries by Python name (never credentials)."""
    meta = conn.meta or {}
    return {
        "id": meta.get("id", conn.id),
        "name": conn.name,
        "server": meta.get("server", ""),
        "owner": conn.user_id or "",
        "created_by": conn.user_id or "",
        "meshery_instance_id": meta.get("meshery_instance_id", ""),
        "kubernetes_server_id": meta.get("kubernetes_server_id", ""),
        "deployment_type": meta.get("deployment_type", "out_of_cluster"),
        "version": meta.get("version", ""),
        "connection_id": conn.id,
        "status": conn.status,
        "created_at": wire_time(conn.created_at),
        "updated_at": wire_time(conn.updated_at),
    }


@dataclass
class UploadResult:
    registered_contexts: list[dict[str, Any]] = field(default_factory=list)
    connected_contexts: list[dict[str, Any]] = field(default_factory=list)
    ignored_contexts: list[dict[str, Any]] = field(default_factory=list)
    errored_contexts: list[dict[str, Any]] = field(default_factory=list)


async def _ping(ctx: KubeContext) -> tuple[dict[str, Any], str] | str:
    """(version, cluster id) of a reachable context, else the reason it is not reachable."""
    try:
        client = await KubeClient.create(ctx)
    except KubeconfigError as exc:
        return str(exc)
    try:
        async with asyncio.timeout(PING_TIMEOUT * 2):
            version = await client.version(seconds=PING_TIMEOUT)
            return version, await client.cluster_id()
    except (KubeUnreachable, KubeError, TimeoutError) as exc:
        return str(exc) or type(exc).__name__
    finally:
        await client.close()


async def _save(
    services: Services,
    owner: str,
    ctx: KubeContext,
    ping: tuple[dict[str, Any], str] | str,
    deployment: str = OUT_OF_CLUSTER_DEPLOYMENT,
) -> str:
    """Store a context as a connection (registered if it answered, else ``not found``) with its sealed credential."""
    conn_id = str(uuid.uuid5(_NS, f"{ctx.id}/{owner}"))
    cred_id = str(uuid.uuid5(_NS, f"{conn_id}/credential"))
    existing = await repo.get_connection(services.store, conn_id)
    now = repo.now()
    meta = dict(existing.meta) if existing else {}
    meta.update(
        {
            "id": ctx.id,
            "name": ctx.name,
            "server": ctx.server,
            "deployment_type": deployment,
            "meshery_instance_id": services.instance_id,
        }
    )
    reachable = not isinstance(ping, str)
    if not isinstance(ping, str):
        version, cluster_id = ping
        meta.update({"version": version.get("gitVersion", ""), "kubernetes_server_id": cluster_id})
    conn = Connection(
        id=conn_id,
        name=ctx.name,
        credential_id=cred_id,
        type="platform",
        sub_type="orchestrator",
        kind="kubernetes",
        meta=meta,
        status=REGISTERED if reachable else NOT_FOUND,
        user_id=owner,
        created_at=existing.created_at if existing else now,
        updated_at=now,
        deleted_at=None,
    )
    secret = services.kube.box.seal(
        {"name": ctx.name, "cluster": ctx.cluster, "auth": ctx.auth, "namespace": ctx.namespace}
    )
    cred = Credential(
        id=cred_id,
        name=f"kubernetes-{ctx.name}",
        user_id=owner,
        type="kubernetes",
        secret=secret,
        created_at=now,
        updated_at=now,
        deleted_at=None,
    )
    await repo.save_connection(services.store, conn, cred)
    if existing is None:
        await notify.raise_event(
            services,
            category="connection",
            action="create",
            severity="informational",
            acted_upon=conn_id,
            user_id=owner,
            description=f"Kubernetes context {ctx.name} registered as a connection",
            metadata={"context": ctx.name, "server": ctx.server},
        )
    return conn_id


async def upload(
    services: Services, *, owner: str, text: bytes, selected: list[str] | None, in_cluster: bool = False
) -> UploadResult:
    """Register the kubeconfig's contexts (``selected`` ones only, when given; ``in_cluster``: its one context is
    the cluster the server runs in)."""
    contexts = parse(text)
    deployment = IN_CLUSTER_DEPLOYMENT if in_cluster else OUT_OF_CLUSTER_DEPLOYMENT
    if selected:
        unknown = set(selected) - {c.name for c in contexts}
        if unknown == set(selected):
            raise errors.ErrKubernetesContextNotFound(f"none of {sorted(unknown)} is in the kubeconfig")
    runtime = services.kube
    result = UploadResult()
    chosen: list[KubeContext] = []
    for ctx in contexts:
        if selected and ctx.name not in selected:
            result.ignored_contexts.append({"name": ctx.name, "id": ctx.id, "server": ctx.server})
        else:
            chosen.append(ctx)
    pings = await asyncio.gather(*(_ping(ctx) for ctx in chosen))
    for ctx, ping in zip(chosen, pings, strict=True):
        conn_id = await _save(services, owner, ctx, ping, deployment)
        reachable = not isinstance(ping, str)
        if reachable:
            await repo.set_status(services.store, conn_id, CONNECTED)
            await runtime.stop_sync(conn_id)  # a running discovery restarts with the new credentials
            stored = await repo.get_connection(services.store, conn_id)
            assert stored is not None
            await runtime.start_sync(stored)
            result.connected_contexts.append(context_view(stored))
        else:
            stored = await repo.get_connection(services.store, conn_id)
            assert stored is not None
            item = context_view(stored)
            item["error"] = f"unreachable: {ping}"
            result.errored_contexts.append(item)
            await notify.raise_event(
                services,
                category="connection",
                action="update",
                severity="warning",
                acted_upon=conn_id,
                user_id=owner,
                description=f"Kubernetes context {ctx.name} is not reachable",
                metadata={"context": ctx.name, "server": ctx.server},
            )
        await runtime.publish_context(conn_id, stored.status)
        result.registered_contexts.append(context_view(stored))
    return result


async def register(services: Services, *, owner: str, ctx: KubeContext) -> Connection:
    """Register one context without connecting it: it must answer; stored as ``registered``."""
    ping = await _ping(ctx)
    if isinstance(ping, str):
        raise errors.ErrKubernetesUnreachable(f"context {ctx.name}: {ping}")
    conn_id = await _save(services, owner, ctx, ping)
    stored = await repo.get_connection(services.store, conn_id)
    assert stored is not None
    await services.kube.publish_context(conn_id, stored.status)
    return stored


async def list_page(
    services: Services, *, page: int, page_size: int, search: str | None, order: str | None
) -> tuple[list[dict[str, Any]], int]:
    rows, total, _ = await repo.list_connections(
        services.store,
        ConnectionFilter(kinds=["kubernetes"], search=search),
        page=page,
        page_size=page_size,
        order=order,
    )
    return [context_view(r) for r in rows], total


async def find(services: Services, context_id: str) -> Connection:
    """A Kubernetes connection by connection id or by context id."""
    conn = await repo.get_connection(services.store, context_id)
    if conn is not None and conn.kind == "kubernetes":
        return conn
    for candidate in await repo.connections_by_kind(services.store, "kubernetes"):
        if (candidate.meta or {}).get("id") == context_id:
            return candidate
    raise errors.ErrKubernetesContextNotFound(f"context {context_id}")


async def delete(services: Services, context_id: str) -> dict[str, Any]:
    conn = await find(services, context_id)
    await services.kube.forget(conn)
    await repo.delete_connection(services.store, conn.id)
    await notify.raise_event(
        services,
        category="connection",
        action="delete",
        severity="informational",
        acted_upon=conn.id,
        description=f"Kubernetes context {conn.name} deleted",
        metadata={"context": conn.name},
    )
    return context_view(conn)


async def ping(services: Services, context_id: str) -> dict[str, Any]:
    conn = await find(services, context_id)
    ctx = await services.kube.context_of(conn)
    result = await _ping(ctx)
    if isinstance(result, str):
        raise errors.ErrKubernetesUnreachable(f"context {conn.name}: {result}")
    version, _cluster = result
    return {"server_version": version.get("gitVersion", ""), **{k: str(v) for k, v in version.items()}}
