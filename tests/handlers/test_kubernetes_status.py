"""REST replacements of the GraphQL status queries: namespaces, operator/MeshSync/broker status,
resync, and the server-wide controller defaults (both databases, against the emulator)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import yaml

from meshery.config import Settings
from tests.fixtures.kubeemu import TOKEN
from tests.handlers.test_kubernetes import unreachable_kubeconfig, upload
from tests.kubeemu import KubeEmulator, pod

DEADLINE = 60.0
MISSING = "00000000-0000-4000-8000-000000000000"


async def eventually(check: Callable[[], Awaitable[Any]]) -> Any:
    deadline = time.monotonic() + DEADLINE
    while not (value := await check()):
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.05)
    return value


def namespace(name: str) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}}


async def connect(client: httpx.AsyncClient, emu: KubeEmulator) -> str:
    text = yaml.safe_dump(emu.kubeconfig("emu", token=TOKEN)).encode()
    body = (await upload(client, text)).json()
    return str(body["connected_contexts"][0]["connection_id"])


async def test_namespaces_status_and_resync(client: httpx.AsyncClient, kube_emulator: KubeEmulator) -> None:
    kube_emulator.seed([namespace("team-a"), namespace("team-b"), pod("p1", namespace="team-a")])
    conn_id = await connect(client, kube_emulator)

    async def names(**params: Any) -> set[str]:
        body = (await client.get("/api/system/kubernetes/namespaces", params=params)).json()
        return {n["namespace"] for n in body["namespaces"]}

    assert {"team-a", "team-b"} <= await eventually(lambda: names(clusterIds=conn_id))
    assert {"team-a", "team-b"} <= await names()
    assert await names(clusterIds="no-such-cluster") == set()

    operator = await client.get(f"/api/system/kubernetes/connections/{conn_id}/operator/status")
    assert operator.status_code == 200, operator.text
    body = operator.json()
    assert body["connectionID"] == conn_id
    assert body["status"] == "DISABLED"  # reachable, no operator deployed
    assert {c["name"] for c in body["controllers"]} == {"meshsync", "broker"}

    meshsync = (await client.get(f"/api/system/kubernetes/connections/{conn_id}/meshsync/status")).json()
    assert (meshsync["name"], meshsync["status"], meshsync["version"]) == ("meshsync", "ENABLED", "embedded")
    nats = (await client.get(f"/api/system/kubernetes/connections/{conn_id}/nats/status")).json()
    assert nats["name"] == "broker" and nats["connectionID"] == conn_id

    # The same answers GraphQL gives.
    query = "query($id: String!) { getMeshsyncStatus(connectionID: $id) { name status version } }"
    graphql = (await client.post("/api/system/graphql/query", json={"query": query, "variables": {"id": conn_id}}))
    assert graphql.json()["data"]["getMeshsyncStatus"] == {k: meshsync[k] for k in ("name", "status", "version")}

    resync = await client.post(
        f"/api/system/kubernetes/contexts/{conn_id}/resync", json={"reSync": True, "clearDb": True}
    )
    assert (resync.status_code, resync.json()) == (200, {"status": "PROCESSING"})
    # Rediscovered after the database was cleared.
    assert "team-a" in await eventually(lambda: names(clusterIds=conn_id))
    assert (await client.post(f"/api/system/kubernetes/contexts/{conn_id}/resync", json={})).status_code == 200


async def test_unknown_and_malformed_ids(client: httpx.AsyncClient) -> None:
    for kind in ("operator", "meshsync", "nats"):
        response = await client.get(f"/api/system/kubernetes/connections/{MISSING}/{kind}/status")
        assert response.status_code == 404, kind
        assert response.json()["code"] == "meshery-server-1302"
    resync = await client.post(f"/api/system/kubernetes/contexts/{MISSING}/resync", json={})
    assert resync.status_code == 404
    bad = await client.post(f"/api/system/kubernetes/contexts/{MISSING}/resync", json={"reSync": "maybe"})
    assert bad.status_code == 400
    assert (await client.post(f"/api/system/kubernetes/contexts/{MISSING}/resync")).status_code == 400
    assert bad.json()["code"].startswith("meshery-server-")


async def test_status_of_an_unreachable_cluster(client: httpx.AsyncClient) -> None:
    body = (await upload(client, unreachable_kubeconfig("down"))).json()
    conn_id = body["errored_contexts"][0]["connection_id"]
    operator = (await client.get(f"/api/system/kubernetes/connections/{conn_id}/operator/status")).json()
    assert operator["status"] == "UNKNOWN"
    meshsync = (await client.get(f"/api/system/kubernetes/connections/{conn_id}/meshsync/status")).json()
    assert meshsync["status"] == "UNKNOWN"


async def test_controllers_default_config(client: httpx.AsyncClient, settings: Settings) -> None:
    response = await client.get("/api/system/controllers/config")
    assert response.status_code == 200
    body = response.json()
    assert body["schemaVersion"] == "controllers_config.meshery.io/v1alpha1"
    assert body["operator"]["enabled"] is (not settings.disable_operator)
    assert body["meshsync"]["deploymentMode"] == settings.meshsync_default_deployment_mode
    assert body["broker"]["url"] == settings.nats_url
