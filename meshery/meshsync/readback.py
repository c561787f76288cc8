"""Reading discovered objects back: the REST list/summary/get/delete and GraphQL queries."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from generated import errors
from meshery.context import Services
from meshery.meshsync import model
from meshery.store import connections as conn_repo
from meshery.store import meshsync as tables
from meshery.store.meshsync import ResourceQuery


def parse_labels(labels: Sequence[str]) -> list[tuple[str, str | None]]:
    """``key=value`` or ``key`` (any value); several may be comma-separated."""
    out: list[tuple[str, str | None]] = []
    for item in labels:
        for raw in item.split(","):
            part = raw.strip()
            if not part:
                continue
            key, sep, value = part.partition("=")
            if not key.strip():
                raise errors.ErrInvalidSelector(f"label {part!r} has no key")
            out.append((key.strip(), value.strip() if sep else None))
    return out


def _split(values: Sequence[str] | None) -> list[str]:
    return [v.strip() for item in values or () for v in item.split(",") if v.strip()]


async def cluster_ids_for(services: Services, ids: Sequence[str]) -> list[str]:
    """Cluster ids from a mix of cluster ids, connection ids and context ids."""
    if not ids:
        return []
    out = set(ids)
    for conn in await conn_repo.connections_by_kind(services.store, "kubernetes"):
        meta = conn.meta or {}
        if (conn.id in ids or meta.get("id") in ids) and meta.get("kubernetes_server_id"):
            out.add(str(meta["kubernetes_server_id"]))
    return sorted(out)


@dataclass(frozen=True)
class Page:
    page: int
    page_size: int
    total_count: int
    resources: list[dict[str, Any]]


async def query(
    services: Services,
    *,
    kinds: Sequence[str] | None = None,
    api_versions: Sequence[str] | None = None,
    namespaces: Sequence[str] | None = None,
    cluster_ids: Sequence[str] | None = None,
    labels: Sequence[str] | None = None,
) -> ResourceQuery:
    return ResourceQuery(
        kinds=_split(kinds),
        api_versions=_split(api_versions),
        namespaces=_split(namespaces),
        cluster_ids=await cluster_ids_for(services, _split(cluster_ids)),
        labels=parse_labels(labels or ()),
    )


async def list_page(
    services: Services,
    q: ResourceQuery,
    *,
    page: int,
    page_size: int,
    search: str | None,
    order: str | None,
    with_spec: bool,
    with_status: bool,
) -> Page:
    q = ResourceQuery(q.kinds, q.api_versions, q.namespaces, q.cluster_ids, q.labels, search)
    items, total = await tables.list_resources(
        services.store, q, page=page, page_size=page_size, order=order, with_spec=with_spec, with_status=with_status
    )
    return Page(page, page_size, total, [model.to_wire(i, with_spec=with_spec, with_status=with_status) for i in items])


async def summary(services: Services, q: ResourceQuery) -> dict[str, Any]:
    kinds, namespaces, labels = await tables.summary(services.store, q)
    return {
        "kinds": [{"kind": k, "count": n} for k, n in kinds],
        "namespaces": namespaces,
        "labels": [{"kind": k, "key": key, "value": v, "count": n} for k, key, v, n in labels],
    }


async def get(services: Services, resource_id: str) -> dict[str, Any]:
    item = await tables.get_resource(services.store, resource_id)
    if item is None:
        raise errors.ErrMeshSyncResourceNotFound(f"resource {resource_id}")
    return model.to_wire(item)


async def delete(services: Services, resource_id: str) -> dict[str, Any]:
    found = await get(services, resource_id)
    await tables.delete_ids(services.store, [resource_id])
    return found


async def cluster_resources(services: Services, ids: Sequence[str], namespace: str) -> dict[str, Any]:
    counts = await tables.cluster_kind_counts(services.store, await cluster_ids_for(services, ids), namespace)
    return {"resources": [{"kind": k, "count": n} for k, n in counts]}


async def namespaces(services: Services, ids: Sequence[str]) -> list[dict[str, str]]:
    return [{"namespace": n} for n in await tables.namespaces(services.store, await cluster_ids_for(services, ids))]


async def describe(services: Services, *, name: str, kind: str, namespace: str, context: str | None) -> dict[str, Any]:
    """A ``kubectl describe``-like text of a discovered object, from the stored copy."""
    ids = [context] if context else []
    item = await tables.find_resource(
        services.store, kind=kind, name=name, namespace=namespace, cluster_ids=await cluster_ids_for(services, ids)
    )
    if item is None:
        raise errors.ErrMeshSyncResourceNotFound(f"{kind} {namespace}/{name}")
    obj, _ = model.wire_to_object(model.to_wire(item))
    lines = [
        f"Name:         {name}",
        f"Namespace:    {namespace}",
        f"Kind:         {kind}",
        f"API Version:  {obj.get('apiVersion', '')}",
    ]
    meta = obj.get("metadata", {})
    for title, key in (("Labels", "labels"), ("Annotations", "annotations")):
        values = meta.get(key) or {}
        lines.append(
            f"{title + ':':<14}" + ("\n              ".join(f"{k}={v}" for k, v in values.items()) or "<none>")
        )
    import yaml

    for part in ("spec", "status", "data"):
        if part in obj:
            lines.append(f"{part.capitalize()}:")
            lines.extend("  " + line for line in yaml.safe_dump(obj[part], sort_keys=False).splitlines())
    return {"describe": "\n".join(lines), "ctxid": context or item.resource["cluster_id"]}
