"""API area "meshsync": discovered resources (REST) and cluster queries (GraphQL)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import aclosing
from functools import partial
from typing import Any

from generated.handler_types import Paging
from meshery import context, http, resync
from meshery.meshsync import ingest, live, meshes, readback


async def get_mesh_sync_resources(
    *,
    paging: Paging,
    kind: list[str] | None = None,
    api_version: list[str] | None = None,
    namespace: list[str] | None = None,
    cluster_ids: list[str] | None = None,
    labels: list[str] | None = None,
    spec: bool = False,
    status: bool = False,
) -> http.Answer:
    services = context.current().services
    q = await readback.query(
        services, kinds=kind, api_versions=api_version, namespaces=namespace, cluster_ids=cluster_ids, labels=labels
    )
    result = await readback.list_page(
        services,
        q,
        page=paging.page,
        page_size=paging.page_size(10),
        search=paging.search,
        order=paging.order,
        with_spec=spec,
        with_status=status,
    )
    return http.json(
        {
            "page": result.page,
            "page_size": result.page_size,
            "total_count": result.total_count,
            "resources": result.resources,
        }
    )


async def get_mesh_sync_resources_summary(
    kind: list[str] | None = None, namespace: list[str] | None = None, cluster_ids: list[str] | None = None
) -> http.Answer:
    services = context.current().services
    q = await readback.query(services, kinds=kind, namespaces=namespace, cluster_ids=cluster_ids)
    return http.json(await readback.summary(services, q))


async def get_mesh_sync_resource_by_id(id_: str) -> http.Answer:
    return http.json(await readback.get(context.current().services, id_))


async def delete_mesh_sync_resource(id_: str) -> http.Answer:
    return http.json(await readback.delete(context.current().services, id_))


# --- GraphQL ---------------------------------------------------------------------------------


async def resolve_get_available_namespaces(k8s_cluster_ids: list[str] | None = None) -> list[dict[str, str]]:
    return await readback.namespaces(context.current().services, k8s_cluster_ids or [])


async def resolve_get_cluster_resources(namespace: str, k8scontext_ids: list[str] | None = None) -> dict[str, Any]:
    return await readback.cluster_resources(context.current().services, k8scontext_ids or [], namespace)


async def resolve_resync_cluster(k8scontext_id: str, selector: dict[str, Any] | None = None) -> str:
    return await resync.resync(context.current().services, k8scontext_id, selector or {})


async def resolve_get_kubectl_describe(name: str, kind: str, namespace: str, **aliases: Any) -> dict[str, Any]:
    return await readback.describe(
        context.current().services,
        name=name,
        kind=kind,
        namespace=namespace,
        context=aliases.get("context"),
    )


async def subscribe_cluster_resources(
    namespace: str, k8scontext_ids: list[str] | None = None
) -> AsyncIterator[dict[str, Any]]:
    services = context.current().services
    current = partial(readback.cluster_resources, services, k8scontext_ids or [], namespace)
    view = services.bus.follow(ingest.CHANGES_SUBJECT, current, max_pending=256, changes_only=True)
    async with aclosing(view):
        async for resources in view:
            yield resources


async def subscribe_mesh_sync_events(
    connection_ids: list[str] | None = None, event_types: list[str | None] | None = None
) -> AsyncIterator[dict[str, Any]]:
    types = [t for t in event_types or () if t]
    async with aclosing(live.watch(context.current().services, connection_ids or [], types)) as events:
        async for event in events:
            yield event


def _mesh_filter(filter: dict[str, Any] | None) -> tuple[str | None, list[str]]:
    f = filter or {}
    return f.get("type"), list(f.get("k8sClusterIDs") or [])


async def resolve_get_control_planes(filter: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    return await meshes.control_planes(context.current().services, *_mesh_filter(filter))


async def resolve_get_data_planes(filter: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    return await meshes.data_planes(context.current().services, *_mesh_filter(filter))


async def resolve_get_available_addons(filter: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    return await meshes.addons(context.current().services, *_mesh_filter(filter))


async def resolve_fetch_telemetry_components(contexts: list[str] | None = None) -> list[dict[str, Any]]:
    return await meshes.telemetry_components(context.current().services, contexts or [])
