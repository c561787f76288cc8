"""The UI's mesh and telemetry queries over HTTP, on MeshSync data written as ingestion writes it."""

from __future__ import annotations

import json
from typing import Any

import httpx
from starlette.applications import Starlette

from meshery.meshsync.ingest import Change, write_changes
from tests.fixtures.ownership import own_clusters
from tests.graphql import ui_documents as docs
from tests.graphql.meshes import mesh_objects
from tests.meshsync import samples

URL = "/api/system/graphql/query"


async def _seed(app: Starlette) -> None:
    services = app.state.meshery.services
    await write_changes(services.store, [Change("ADDED", o, samples.CLUSTER) for o in mesh_objects()])
    # Another cluster's istiod: left out when the UI names the first cluster.
    other = mesh_objects()[0]
    await write_changes(services.store, [Change("ADDED", other, "other-cluster")])
    await own_clusters(services.store, samples.CLUSTER, "other-cluster")  # the user sees their clusters' data


async def _run(client: httpx.AsyncClient, query: str, **variables: Any) -> dict[str, Any]:
    response = await client.post(URL, json={"query": query, "variables": variables})
    body = response.json()
    assert response.status_code == 200 and "errors" not in body, body
    return body["data"]  # type: ignore[no-any-return]


async def test_control_planes(app: Starlette, client: httpx.AsyncClient) -> None:
    await _seed(app)
    one = {"type": "ISTIO", "k8sClusterIDs": [samples.CLUSTER]}
    istio = (await _run(client, docs.CONTROL_PLANES, filter=one))["controlPlanesState"]
    assert istio == [
        {
            "name": "istio",
            "members": [
                {"name": "istio-ingressgateway-5f-xyz", "version": "1.22.1", "component": "istio",
                 "namespace": "istio-system"},
                {"name": "istiod-7d4f9-abcde", "version": "1.22.1", "component": "istiod",
                 "namespace": "istio-system"},
            ],
        }
    ]  # fmt: skip
    everything = (await _run(client, docs.CONTROL_PLANES, filter={"type": "ALL_MESH"}))["controlPlanesState"]
    by_mesh = {cp["name"]: cp["members"] for cp in everything}
    assert len(by_mesh["istio"]) == 3  # both clusters
    assert [m["component"] for m in by_mesh["linkerd"]] == ["linkerd"]
    assert [m["version"] for m in by_mesh["linkerd"]] == ["edge-24.5.1"]
    # kube-system is shared: only the pods with Cilium's image organisation are Cilium's.
    assert [m["name"] for m in by_mesh["cilium_service_mesh"]] == ["cilium-x1"]
    assert by_mesh["consul"] == []
    default = (await _run(client, docs.CONTROL_PLANES))["controlPlanesState"]
    assert default == everything


async def test_data_planes(app: Starlette, client: httpx.AsyncClient) -> None:
    await _seed(app)
    flt = {"type": "ISTIO", "k8sClusterIDs": [samples.CLUSTER]}
    planes = (await _run(client, docs.DATA_PLANES, filter=flt))["dataPlanesState"]
    assert [p["name"] for p in planes] == ["istio"]
    proxies = {p["controlPlaneMemberName"]: p for p in planes[0]["proxies"]}
    # The gateway in istio-system and the sidecar in the application's namespace.
    assert sorted(proxies) == ["istio-ingressgateway-5f-xyz", "productpage-v1-1"]
    sidecar = proxies["productpage-v1-1"]
    assert sidecar["containerName"] == "istio-proxy"
    assert sidecar["image"] == "docker.io/istio/proxyv2:1.22.1"
    assert sidecar["status"]["ready"] is True and sidecar["status"]["restartCount"] == 1
    assert sidecar["status"]["started"] is True
    assert sidecar["status"]["state"] == {"running": {"startedAt": "2026-01-01T00:00:00Z"}}
    assert sidecar["status"]["containerID"] == "containerd://productpage-v1-1-istio-proxy"
    assert sidecar["ports"] == []  # the application container has the ports
    linkerd = (await _run(client, docs.DATA_PLANES, filter={"type": "LINKERD"}))["dataPlanesState"]
    assert linkerd == [{"name": "linkerd", "proxies": []}]


async def test_addons_and_telemetry(app: Starlette, client: httpx.AsyncClient) -> None:
    await _seed(app)
    addons = (await _run(client, docs.ADDONS, filter={"type": "ALL_MESH"}))["addonsState"]
    assert sorted((a["name"], a["owner"]) for a in addons) == [
        ("grafana", "ISTIO"),
        ("kiali", "ISTIO"),
        ("prometheus", "ISTIO"),
    ]
    comps = (await _run(client, docs.TELEMETRY, contexts=[samples.CLUSTER]))["telemetryComps"]
    assert sorted(c["name"] for c in comps) == ["grafana", "kube-prometheus-stack-grafana", "prometheus"]
    prom = next(c for c in comps if c["name"] == "prometheus")
    assert json.loads(prom["spec"])["ports"] == [{"name": "http", "port": 9090}]
    assert json.loads(prom["status"]) == {"loadBalancer": {}}
    everywhere = (await _run(client, docs.TELEMETRY, contexts=["all"]))["telemetryComps"]
    assert len(everywhere) == 3
    none = (await _run(client, docs.TELEMETRY, contexts=["no-such-cluster"]))["telemetryComps"]
    assert none == []


async def test_operator_status_needs_an_id(client: httpx.AsyncClient) -> None:
    response = await client.post(URL, json={"query": "{ getOperatorStatus { status } }"})
    body = response.json()
    assert body["errors"][0]["message"]
    assert body["data"] == {"getOperatorStatus": None}
