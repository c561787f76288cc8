"""Meshery controllers of a Kubernetes connection: operator deploy/undeploy and status.

Deploying server-side-applies ``meshery.operator_manifests`` to the context (field manager
``meshery-server``); undeploying deletes them in reverse order. ``DISABLE_OPERATOR=true`` never
deploys. Status comes from the cluster (the operator Deployment, the Broker and MeshSync
resources) and, for MeshSync in embedded mode, from this server's own sync of the context.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import aclosing
from typing import Any

from generated import errors
from meshery import connections, contexts, notify, operator_manifests
from meshery.context import Services
from meshery.kube import KubeClient, KubeconfigError, KubeError, KubeUnreachable
from meshery.meshsync import manager
from meshery.store import connections as repo

CONTROLLERS = ("BROKER", "OPERATOR", "MESHSYNC")
POLL_SECONDS = 5.0


async def _client(services: Services, connection_id: str) -> tuple[str, KubeClient]:
    conn = await contexts.find(services, connection_id)
    ctx = await services.kube.context_of(conn)
    try:
        return conn.id, await KubeClient.create(ctx)
    except KubeconfigError as exc:
        raise errors.ErrKubeconfigInvalid(str(exc)) from None


async def _each_manifest(
    services: Services,
    connection_id: str,
    step: Callable[[KubeClient, dict[str, Any]], Awaitable[object]],
    *,
    reverse: bool,
    action: str,
    description: str,
    image: str | None = None,
) -> None:
    """Run `step` on every operator manifest of the context, then raise the event and publish."""
    conn_id, client = await _client(services, connection_id)
    manifests = operator_manifests.all_manifests()
    if image:
        for obj in manifests:
            if obj["kind"] == "Deployment" and obj["metadata"]["name"] == "meshery-operator":
                obj["spec"]["template"]["spec"]["containers"][0]["image"] = image
    try:
        for obj in reversed(manifests) if reverse else manifests:
            try:
                await step(client, obj)
            except KubeError as exc:
                raise errors.ErrOperatorDeploy(f"{obj['kind']} {obj['metadata']['name']}: {exc}") from None
    except KubeUnreachable as exc:
        raise errors.ErrKubernetesUnreachable(str(exc)) from None
    finally:
        await client.close()
    await notify.raise_event(
        services,
        category="operator",
        action=action,
        severity="informational",
        acted_upon=conn_id,
        description=description,
    )
    await services.kube.publish_context(conn_id, "operator")


async def deploy(services: Services, connection_id: str) -> str:
    """Apply the operator's manifests; returns ENABLED."""
    if services.settings.disable_operator:
        raise errors.ErrOperatorDisabled("DISABLE_OPERATOR=true")
    conn = await contexts.find(services, connection_id)
    settings = connections.operator_settings(services, conn)
    if not settings["enabled"]:
        raise errors.ErrOperatorDisabled(f"operator.enabled is false in the controller configuration of {conn.name}")

    async def apply(client: KubeClient, obj: dict[str, Any]) -> object:
        return await client.apply(obj, field_manager=operator_manifests.FIELD_MANAGER)

    await _each_manifest(
        services,
        conn.id,
        apply,
        reverse=False,
        action="deploy",
        description="Meshery Operator deployed",
        image=str(settings["image"]),
    )
    return "ENABLED"


async def undeploy(services: Services, connection_id: str) -> str:
    """Delete the operator's manifests in reverse order; returns DISABLED."""

    async def delete(client: KubeClient, obj: dict[str, Any]) -> object:
        return await client.delete(obj)

    await _each_manifest(
        services, connection_id, delete, reverse=True, action="undeploy", description="Meshery Operator removed"
    )
    return "DISABLED"


async def change(services: Services, connection_id: str, target: str) -> str:
    if target == "ENABLED":
        return await deploy(services, connection_id)
    if target == "DISABLED":
        return await undeploy(services, connection_id)
    raise errors.ErrInvalidSelector(f"targetStatus must be ENABLED or DISABLED, not {target}")


async def _cluster_facts(services: Services, connection_id: str) -> dict[str, Any]:
    """The operator Deployment and the Broker/MeshSync resources, or None each; unreachable -> {}."""
    try:
        _conn_id, client = await _client(services, connection_id)
    except errors.MesheryError:
        raise
    try:
        facts: dict[str, Any] = {
            "deployment": await client.get("apps/v1", "Deployment", "meshery-operator", operator_manifests.NAMESPACE)
        }
        for kind in ("Broker", "MeshSync"):
            try:
                facts[kind] = await client.get(
                    "meshery.io/v1alpha2", kind, f"meshery-{kind.lower()}", operator_manifests.NAMESPACE
                )
            except KubeError:
                facts[kind] = None
        facts["reachable"] = True
        return facts
    except (KubeUnreachable, KubeError):
        return {"reachable": False}
    finally:
        await client.close()


def _image_version(deployment: dict[str, Any] | None) -> str:
    if not deployment:
        return ""
    containers = deployment.get("spec", {}).get("template", {}).get("spec", {}).get("containers") or [{}]
    return str(containers[0].get("image", "")).rpartition(":")[2]


async def statuses(services: Services, connection_id: str) -> list[dict[str, Any]]:
    """One ``MesheryControllersStatusListItem`` per controller."""
    conn = await contexts.find(services, connection_id)
    facts = await _cluster_facts(services, conn.id)
    runtime = services.kube
    sync = runtime.syncs.get(conn.id)
    reachable = facts.get("reachable", False)
    items = []
    operator_status = "DEPLOYED" if facts.get("deployment") else ("NOTDEPLOYED" if reachable else "UNKOWN")
    items.append(
        {
            "connectionID": conn.id,
            "controller": "OPERATOR",
            "status": operator_status,
            "version": _image_version(facts.get("deployment")),
        }
    )
    broker = facts.get("Broker")
    broker_status = (
        "CONNECTED"
        if services.settings.nats_url and services.bus.connected
        else ("DEPLOYED" if broker else ("NOTDEPLOYED" if reachable else "UNKOWN"))
    )
    items.append({"connectionID": conn.id, "controller": "BROKER", "status": broker_status, "version": ""})
    if sync is not None and sync.synced.is_set():
        ms_status, ms_version = "RUNNING", "embedded"
    elif facts.get("MeshSync"):
        ms_status, ms_version = "DEPLOYED", str(facts["MeshSync"].get("spec", {}).get("version", ""))
    else:
        ms_status, ms_version = ("NOTDEPLOYED" if reachable else "UNKOWN"), ""
    items.append({"connectionID": conn.id, "controller": "MESHSYNC", "status": ms_status, "version": ms_version})
    return items


def _plain(status: str) -> str:
    """A controller status as the ``Status`` enum of getMeshsyncStatus/getNatsStatus."""
    return {"RUNNING": "ENABLED", "DEPLOYED": "ENABLED", "CONNECTED": "CONNECTED", "NOTDEPLOYED": "DISABLED"}.get(
        status, "UNKNOWN"
    )


async def controller_status(services: Services, connection_id: str, controller: str) -> dict[str, Any]:
    for item in await statuses(services, connection_id):
        if item["controller"] == controller:
            return {
                "name": controller.lower() if controller != "BROKER" else "broker",
                "version": item["version"],
                "status": _plain(item["status"]),
                "error": None,
                "connectionID": item["connectionID"],
            }
    raise errors.ErrKubernetesContextNotFound(connection_id)


async def _targets(services: Services, ids: Sequence[str] | None) -> list[str]:
    if ids:
        return list(ids)
    return [c.id for c in await repo.connections_by_kind(services.store, "kubernetes", ["connected"])]


async def watch_statuses(
    services: Services, ids: Sequence[str] | None, *, end_when_empty: bool = False
) -> AsyncIterator[list[dict[str, Any]]]:
    """The controllers' statuses now, then whenever they change (checked on context changes or every 5 s).

    With ``end_when_empty`` (the SSE stream) there is nothing to follow without Kubernetes
    connections: one empty list is sent and the stream ends; EventSource clients reconnect
    after the advertised retry delay.
    """
    for conn_id in ids or ():
        await contexts.find(services, conn_id)  # unknown ids are a 404, not an empty stream
    if end_when_empty and not await _targets(services, ids):
        yield []
        return

    async def current() -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        for conn_id in await _targets(services, ids):
            try:
                items.extend(await statuses(services, conn_id))
            except errors.MesheryError:
                continue
        return items

    view = services.bus.follow(manager.CONTEXTS_SUBJECT, current, changes_only=True, every=POLL_SECONDS)
    async with aclosing(view):
        async for items in view:
            yield items
