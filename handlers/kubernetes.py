"""API area "kubernetes": kubeconfig upload and contexts, ping, controllers (REST, GraphQL, SSE)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import aclosing
from typing import Any

from generated import errors
from generated.handler_types import Paging
from meshery import cluster_status, context, controllers, http, resync
from meshery import contexts as service
from meshery.meshsync import manager, readback


async def _file_bytes(k8sfile: Any) -> bytes:
    if k8sfile is None:
        raise errors.ErrKubeconfigMissing("the form has no k8sfile part")
    if hasattr(k8sfile, "read"):
        try:
            data = await k8sfile.read()
        finally:
            await k8sfile.close()
    else:
        data = k8sfile
    if isinstance(data, str):
        data = data.encode()
    if not isinstance(data, bytes) or not data.strip():
        raise errors.ErrKubeconfigMissing("the k8sfile part is empty")
    return data


def _names(*values: str | None) -> list[str] | None:
    names: list[str] = []
    for value in values:
        if not value or not value.strip():
            continue
        text = value.strip()
        if text.startswith("["):
            try:
                parsed = json.loads(text)
            except ValueError:
                raise errors.ErrInvalidSelector("contexts is not a JSON array of names") from None
            if not isinstance(parsed, list) or not all(isinstance(p, str) for p in parsed):
                raise errors.ErrInvalidSelector("contexts must be an array of names")
            names.extend(parsed)
        else:
            names.extend(part.strip() for part in text.split(",") if part.strip())
    return names or None


def _flag(value: Any) -> bool:
    """A form checkbox as upstream's handler reads it (``strconv.ParseBool``: true, 1, t...)."""
    return isinstance(value, str) and value.strip().lower() in {"1", "t", "true", "on", "yes"}


async def upload_kubeconfig(body: dict[str, Any] | None = None, k8sfile: Any = None) -> http.Answer:
    """Register a kubeconfig's contexts: all, the ``contexts``/``selectedContexts`` ones, or ``contextName``;
    with ``inClusterConfig`` the cluster the server runs in (no file)."""
    form = body or {}
    ctx = context.current()
    in_cluster = _flag(form.get("inClusterConfig"))
    if in_cluster:
        if k8sfile is not None and hasattr(k8sfile, "close"):
            await k8sfile.close()
        data = service.in_cluster_kubeconfig()
    else:
        data = await _file_bytes(k8sfile)
    result = await service.upload(
        ctx.services,
        owner=ctx.user.user_id if ctx.user else "",
        text=data,
        selected=_names(form.get("contexts"), form.get("selectedContexts"), form.get("contextName")),
        in_cluster=in_cluster,
    )
    return http.json(result.__dict__)


async def preview_kubeconfig_contexts(body: dict[str, Any] | None = None, k8sfile: Any = None) -> http.Answer:
    return http.json(service.preview(await _file_bytes(k8sfile)))


async def get_kubernetes_contexts(*, paging: Paging) -> http.Answer:
    size = paging.page_size(10)
    items, total = await service.list_page(
        context.current().services, page=paging.page, page_size=size, search=paging.search, order=paging.order
    )
    return http.json({"page": paging.page, "page_size": size, "total_count": total, "contexts": items})


async def get_kubernetes_context(id_: str) -> http.Answer:
    return http.json(service.context_view(await service.find(context.current().services, id_)))


async def delete_kubernetes_context(id_: str) -> http.Answer:
    return http.json(await service.delete(context.current().services, id_))


# ping_kubernetes takes a query parameter named `context`, which hides the module inside it.
_current = context.current


async def ping_kubernetes(connection_id: str | None = None, context: str | None = None) -> http.Answer:
    target = connection_id or context
    if not target:
        raise errors.ErrKubernetesContextNotFound("pass connection_id (or connectionId)")
    return http.json(await service.ping(_current().services, target))


async def stream_controllers_status(connection_ids: list[str] | None = None) -> Any:
    services = context.current().services

    statuses = controllers.watch_statuses(services, connection_ids, end_when_empty=True)
    first = await anext(statuses)  # errors (unknown ids) are answered before the stream starts

    async def events() -> AsyncIterator[list[dict[str, Any]]]:
        yield first
        async for items in statuses:
            yield items

    return http.event_stream(events(), retry_ms=5000)


# --- GraphQL ---------------------------------------------------------------------------------


async def _with_context_ids(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each status item with ``contextId`` (the 2024 UI keys statuses by context id)."""
    services = context.current().services
    ids: dict[str, str] = {}
    for item in items:
        conn_id = str(item["connectionID"])
        if conn_id not in ids:
            conn = await service.find(services, conn_id)
            ids[conn_id] = str((conn.meta or {}).get("id") or conn.id)
    return [{**item, "contextId": ids[str(item["connectionID"])]} for item in items]


async def resolve_get_operator_status(connection_id: str | None = None) -> dict[str, Any] | None:
    services = context.current().services
    for item in await _with_context_ids(await controllers.statuses(services, _required(connection_id))):
        if item["controller"] == "OPERATOR":
            return item
    return None


def _required(connection_id: str | None) -> str:
    if not connection_id:
        raise errors.ErrInvalidSelector("connectionID (or k8scontextID) is required")
    return connection_id


async def resolve_get_meshsync_status(connection_id: str | None = None) -> dict[str, Any]:
    return await controllers.controller_status(context.current().services, _required(connection_id), "MESHSYNC")


async def resolve_get_nats_status(connection_id: str | None = None) -> dict[str, Any]:
    return await controllers.controller_status(context.current().services, _required(connection_id), "BROKER")


async def resolve_change_operator_status(input: dict[str, Any] | None = None) -> str:
    if not input:
        raise errors.ErrInvalidSelector("input {targetStatus, contextID} is required")
    return await controllers.change(context.current().services, str(input["contextID"]), str(input["targetStatus"]))


async def subscribe_k8s_context(selector: dict[str, Any]) -> AsyncIterator[dict[str, Any]]:
    services = context.current().services
    try:
        page, size = int(selector.get("page") or 0), int(selector.get("pageSize") or 10)
    except ValueError:
        raise errors.ErrInvalidSelector("page and pageSize must be integers") from None

    async def current() -> dict[str, Any]:
        items, total = await service.list_page(
            services,
            page=max(page, 0),
            page_size=max(size, 1),
            search=selector.get("search"),
            order=selector.get("order"),
        )
        return {"total_count": total, "contexts": items}

    async with aclosing(services.bus.follow(manager.CONTEXTS_SUBJECT, current)) as pages:
        async for contexts in pages:
            yield contexts


async def subscribe_meshery_controllers_status(
    connection_ids: list[str] | None = None,
) -> AsyncIterator[list[dict[str, Any]]]:
    # The 2024 UI subscribes with k8scontextIDs [""] for "every context".
    ids = [i for i in connection_ids or () if i]
    async for items in controllers.watch_statuses(context.current().services, ids or None):
        yield await _with_context_ids(items)


# --- REST replacements of GraphQL status queries (current UI) --------------------------------


async def get_kubernetes_namespaces(cluster_ids: list[str] | None = None) -> http.Answer:
    return http.json({"namespaces": await readback.namespaces(context.current().services, cluster_ids or [])})


async def get_kubernetes_operator_status(connection_id: str) -> http.Answer:
    return http.json(await cluster_status.operator_status(context.current().services, connection_id))


async def get_kubernetes_meshsync_status(connection_id: str) -> http.Answer:
    return http.json(await cluster_status.controller_status(context.current().services, connection_id, "MESHSYNC"))


async def get_kubernetes_nats_status(connection_id: str) -> http.Answer:
    return http.json(await cluster_status.controller_status(context.current().services, connection_id, "BROKER"))


async def resync_kubernetes_context(id_: str, body: dict[str, Any]) -> http.Answer:
    flags = body
    selector = {
        "ReSync": bool(flags.get("reSync")),
        "clearDB": bool(flags.get("clearDb")),
        "hardReset": bool(flags.get("hardReset")),
    }
    return http.json({"status": await resync.resync(context.current().services, id_, selector)})


async def get_controllers_default_config() -> http.Answer:
    return http.json(cluster_status.default_config(context.current().services))
