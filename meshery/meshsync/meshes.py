"""Service meshes and telemetry seen in MeshSync data: the GraphQL mesh and telemetry queries.

Upstream computes these from its MeshSync tables on every query; so does this module, over the
stored objects (``meshery.store.meshsync``):

- control planes: the pods in each mesh's control-plane namespaces (for meshes sharing a namespace
  such as Cilium in ``kube-system``, only pods with one of the mesh's image organisations);
- data planes: the sidecar proxy containers of pods, recognised by the mesh's sidecar container
  names anywhere, and by ``proxy`` in a container's name or image in the mesh's namespaces;
- add-ons: the services named grafana, prometheus, jaeger-collector, kiali or zipkin in a mesh's
  namespaces;
- telemetry components: Prometheus and Grafana services in any namespace.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Any

from meshery.context import Services
from meshery.meshsync import model, readback
from meshery.store import meshsync as tables
from meshery.store.meshsync import ResourceQuery

PAGE = 500
ALL_MESH = "ALL_MESH"


@dataclass(frozen=True)
class Mesh:
    namespaces: tuple[str, ...]
    sidecars: frozenset[str] = frozenset()
    image_orgs: frozenset[str] = frozenset()


# Upstream's namespaces plus the ones the meshes' own installers default to.
MESHES: dict[str, Mesh] = {
    "ISTIO": Mesh(("istio-system",), frozenset({"istio-proxy"})),
    "LINKERD": Mesh(("linkerd", "linkerd-system"), frozenset({"linkerd-proxy"})),
    "CONSUL": Mesh(("consul", "consul-system"), frozenset({"consul-dataplane", "envoy-sidecar"})),
    "TRAEFIK_MESH": Mesh(("traefik-mesh", "traefik-system")),
    "KUMA": Mesh(("kuma-system",), frozenset({"kuma-sidecar"})),
    "NGINX_SERVICE_MESH": Mesh(("nginx-mesh", "nginx-system"), frozenset({"nginx-mesh-sidecar"})),
    "NETWORK_SERVICE_MESH": Mesh(("nsm-system",)),
    "APP_MESH": Mesh(("appmesh-system",)),
    "OPEN_SERVICE_MESH": Mesh(("osm-system",)),
    "CILIUM_SERVICE_MESH": Mesh(("kube-system",), image_orgs=frozenset({"cilium"})),
}

ADDONS = ("grafana", "prometheus", "jaeger-collector", "kiali", "zipkin")
TELEMETRY = ("prometheus", "grafana")


def selected_meshes(mesh_type: str | None) -> list[str]:
    """The meshes a ServiceMeshFilter names: one, or every known mesh for ALL_MESH or none."""
    if not mesh_type or mesh_type == ALL_MESH:
        return list(MESHES)
    return [mesh_type] if mesh_type in MESHES else []


async def _objects(services: Services, q: ResourceQuery) -> AsyncIterator[dict[str, Any]]:
    """Every stored object matching ``q``, Kubernetes-shaped, a page at a time."""
    page = 0
    while True:
        items, total = await tables.list_resources(
            services.store, q, page=page, page_size=PAGE, order=None, with_spec=True, with_status=True
        )
        for item in items:
            obj, _cluster = model.wire_to_object(model.to_wire(item))
            yield obj
        page += 1
        if not items or page * PAGE >= total:
            return


async def _clusters(services: Services, ids: Sequence[str] | None) -> list[str]:
    wanted = [i for i in ids or () if i and i != "all"]
    return await readback.cluster_ids_for(services, wanted)


def _image_org(image: str) -> str | None:
    parts = image.split("/")
    return parts[1] if len(parts) > 1 else None


def _image_tag(image: str) -> str:
    _, sep, tag = image.split("@", maxsplit=1)[0].rpartition(":")
    return tag if sep and "/" not in tag else ""


def _containers(obj: dict[str, Any]) -> list[dict[str, Any]]:
    return [c for c in (obj.get("spec") or {}).get("containers") or [] if isinstance(c, dict)]


def control_plane_member(obj: dict[str, Any], mesh: Mesh) -> dict[str, Any] | None:
    """A control-plane pod as a ControlPlaneMember, or None when it is not the mesh's."""
    containers = _containers(obj)
    if mesh.image_orgs and not {_image_org(str(c.get("image", ""))) for c in containers} & mesh.image_orgs:
        return None
    meta = obj.get("metadata") or {}
    version = _image_tag(str(containers[0].get("image", ""))) if containers else ""
    component = str(meta.get("generateName") or meta.get("name", "")).split("-")[0]
    return {
        "name": meta.get("name", ""),
        "component": component,
        "version": version or "unknown",
        "namespace": meta.get("namespace", ""),
        "data_planes": [],
    }


def proxies(obj: dict[str, Any], mesh: Mesh, in_mesh_namespace: bool) -> list[dict[str, Any]]:
    """The pod's sidecar proxy containers, as upstream's Container."""
    statuses = {
        s.get("name"): s for s in (obj.get("status") or {}).get("containerStatuses") or [] if isinstance(s, dict)
    }
    pod = (obj.get("metadata") or {}).get("name", "")
    out = []
    for container in _containers(obj):
        name, image = str(container.get("name", "")), str(container.get("image", ""))
        generic = in_mesh_namespace and ("proxy" in name or "proxy" in image)
        if name not in mesh.sidecars and not generic:
            continue
        status = statuses.get(name) or {}
        out.append(
            {
                "controlPlaneMemberName": pod,
                "containerName": name,
                "image": image,
                "status": {
                    "containerStatusName": name,
                    "image": status.get("image", image),
                    "state": status.get("state"),
                    "lastState": status.get("lastState"),
                    "ready": bool(status.get("ready", False)),
                    "restartCount": int(status.get("restartCount", 0) or 0),
                    "started": bool(status.get("started", False)),
                    "imageID": status.get("imageID", ""),
                    "containerID": status.get("containerID", ""),
                },
                "ports": [
                    {
                        "name": p.get("name"),
                        "containerPort": int(p.get("containerPort", 0) or 0),
                        "protocol": p.get("protocol", "TCP"),
                    }
                    for p in container.get("ports") or []
                    if isinstance(p, dict)
                ],
                "resources": container.get("resources"),
            }
        )
    return out


async def control_planes(
    services: Services, mesh_type: str | None, cluster_ids: Sequence[str] | None
) -> list[dict[str, Any]]:
    clusters = await _clusters(services, cluster_ids)
    out = []
    for name in selected_meshes(mesh_type):
        mesh = MESHES[name]
        q = ResourceQuery(kinds=["Pod"], namespaces=list(mesh.namespaces), cluster_ids=clusters)
        members = [m async for obj in _objects(services, q) if (m := control_plane_member(obj, mesh)) is not None]
        out.append({"name": name.lower(), "members": members})
    return out


async def data_planes(
    services: Services, mesh_type: str | None, cluster_ids: Sequence[str] | None
) -> list[dict[str, Any]]:
    clusters = await _clusters(services, cluster_ids)
    names = selected_meshes(mesh_type)
    found: dict[str, list[dict[str, Any]]] = {name: [] for name in names}
    # Only pods whose spec names a proxy can hold one (upstream filters the same way).
    hints = sorted({"proxy"}.union(*(MESHES[name].sidecars for name in names)))
    q = ResourceQuery(kinds=["Pod"], cluster_ids=clusters, spec_contains=hints)
    async for obj in _objects(services, q):
        namespace = (obj.get("metadata") or {}).get("namespace", "")
        for name in names:
            mesh = MESHES[name]
            found[name].extend(proxies(obj, mesh, namespace in mesh.namespaces))
    return [{"name": name.lower(), "proxies": found[name]} for name in names]


async def addons(services: Services, mesh_type: str | None, cluster_ids: Sequence[str] | None) -> list[dict[str, Any]]:
    clusters = await _clusters(services, cluster_ids)
    out = []
    for name in selected_meshes(mesh_type):
        q = ResourceQuery(kinds=["Service"], namespaces=list(MESHES[name].namespaces), cluster_ids=clusters)
        async for obj in _objects(services, q):
            service_name = (obj.get("metadata") or {}).get("name", "")
            if service_name in ADDONS:
                out.append({"name": service_name, "owner": name})
    return out


def is_telemetry(obj: dict[str, Any]) -> bool:
    meta = obj.get("metadata") or {}
    labels = meta.get("labels") or {}
    names = [str(meta.get("name", "")), str(labels.get("app", "")), str(labels.get("app.kubernetes.io/name", ""))]
    return any(t in n for n in names for t in TELEMETRY)


async def telemetry_components(services: Services, contexts: Sequence[str] | None) -> list[dict[str, Any]]:
    """Prometheus and Grafana services (``all`` or no context: every cluster)."""
    clusters = await _clusters(services, contexts)
    out = []
    async for obj in _objects(services, ResourceQuery(kinds=["Service"], cluster_ids=clusters)):
        if is_telemetry(obj):
            out.append(
                {
                    "name": (obj.get("metadata") or {}).get("name", ""),
                    "spec": json.dumps(obj.get("spec") or {}, separators=(",", ":")),
                    "status": json.dumps(obj.get("status") or {}, separators=(",", ":")),
                }
            )
    return out
