"""The whole Kubernetes flow against a cluster (the emulator by default), on both databases.

Upload a kubeconfig with two contexts (one unreachable) -> contexts and connections listed ->
resources discovered -> a pod created appears, a deleted one disappears -> the API server stops
and the connection shows disconnected, then recovers -> the operator is deployed and seen with
the real kubectl, then removed.

Every wait has one generous deadline (``DEADLINE``): a step fails when its event never happens,
not when a shared machine is slow. How fast changes appear is measured by ``python -m bench
meshsync`` (watch latency, against the emulator's own round trip in the same run).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.meshsync.conftest import TargetCluster, with_unreachable_context

pytestmark = pytest.mark.meshsync

DEADLINE = 60.0


async def eventually(check: Callable[[], Any], within: float = DEADLINE) -> Any:
    deadline = time.monotonic() + within
    while True:
        value = await check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {within} s")
        await asyncio.sleep(0.05)


async def pod_names(client: httpx.AsyncClient, namespace: str) -> set[str]:
    params = {"kind": "Pod", "namespace": namespace, "pagesize": 1000}
    body = (await client.get("/api/system/meshsync/resources", params=params)).json()
    return {r["metadata"]["name"] for r in body["resources"]}


async def connection_status(client: httpx.AsyncClient, conn_id: str) -> str:
    return str((await client.get(f"/api/integrations/connections/{conn_id}")).json()["status"])


async def graphql(client: httpx.AsyncClient, query: str, **variables: Any) -> dict[str, Any]:
    response = await client.post("/api/system/graphql/query", json={"query": query, "variables": variables})
    body = response.json()
    assert "errors" not in body, body
    return body["data"]  # type: ignore[no-any-return]


async def test_upload_discover_watch_outage_and_operator(
    client: httpx.AsyncClient, target_cluster: TargetCluster, tmp_path: Path
) -> None:
    text = with_unreachable_context(target_cluster, tmp_path / "down-config")
    upload = await client.post("/api/system/kubernetes", files={"k8sfile": ("config", text)})
    assert upload.status_code == 200, upload.text
    result = upload.json()
    assert [c["name"] for c in result["errored_contexts"]] == ["down"]
    assert len(result["connected_contexts"]) >= 1
    connected = result["connected_contexts"][0]
    conn_id = connected["connection_id"]
    if target_cluster.emulator is not None:
        assert connected["kubernetes_server_id"] == target_cluster.emulator.cluster_id
        assert connected["version"].startswith("v1.")

    contexts = (await client.get("/api/system/kubernetes/contexts")).json()
    assert contexts["total_count"] == len(result["registered_contexts"])
    statuses = (await client.get("/api/integrations/connections", params={"kind": "kubernetes"})).json()
    assert statuses["status_summary"].get("not found") == 1
    assert await connection_status(client, conn_id) == "connected"
    ping = (await client.get("/api/system/kubernetes/ping", params={"connection_id": conn_id})).json()
    assert ping["server_version"].startswith("v1.")

    # Discovery: the seeded pods, with upstream ids and the cluster id.
    async def seeded() -> bool:
        return {f"seed-{i}" for i in range(5)} <= await pod_names(client, target_cluster.namespace)

    await eventually(seeded)
    namespaces = await graphql(
        client, "query($ids: [String!]) { getAvailableNamespaces(k8sClusterIDs: $ids) { namespace } }", ids=[conn_id]
    )
    assert {"namespace": target_cluster.namespace} in namespaces["getAvailableNamespaces"]

    # Watch: a new pod appears; a deleted one disappears (the latency is measured in bench).
    target_cluster.create_pod("fresh")

    async def fresh_present() -> bool:
        return "fresh" in await pod_names(client, target_cluster.namespace)

    async def fresh_gone() -> bool:
        return "fresh" not in await pod_names(client, target_cluster.namespace)

    await eventually(fresh_present)
    target_cluster.delete_pod("fresh")
    await eventually(fresh_gone)

    # Outage: disconnected while the API server is down, connected again after, and relisted
    # (a pod added meanwhile is stored, a pod deleted meanwhile is removed).
    if target_cluster.emulator is not None:
        emu = target_cluster.emulator
        emu.stop()

        async def disconnected() -> bool:
            return await connection_status(client, conn_id) == "disconnected"

        await eventually(disconnected)
        emu.seed([__import__("tests.kubeemu", fromlist=["pod"]).pod("while-down", namespace=target_cluster.namespace)])
        emu.delete("v1", "Pod", "seed-0", target_cluster.namespace)  # only the relist can tell
        emu.start()

        async def reconnected() -> bool:
            if await connection_status(client, conn_id) != "connected":
                return False
            names = await pod_names(client, target_cluster.namespace)
            return "while-down" in names and "seed-0" not in names

        await eventually(reconnected)

    # Operator: deployed by server-side apply, visible with the real kubectl, then removed.
    mutation = "mutation($input: OperatorStatusInput) { changeOperatorStatus(input: $input) }"
    deployed = await graphql(client, mutation, input={"targetStatus": "ENABLED", "contextID": conn_id})
    assert deployed["changeOperatorStatus"] == "ENABLED"
    out = target_cluster.kubectl("get", "deployment", "meshery-operator", "-n", "meshery", "-o", "name").stdout
    assert out.strip() == "deployment.apps/meshery-operator"
    crds = target_cluster.kubectl("get", "crd", "-o", "name").stdout
    assert "brokers.meshery.io" in crds and "meshsyncs.meshery.io" in crds
    broker = target_cluster.kubectl("get", "brokers.meshery.io", "-n", "meshery", "-o", "name").stdout
    assert broker.strip().endswith("meshery-broker")
    status = await graphql(
        client,
        "query($id: String!) { getOperatorStatus(connectionID: $id) { status controller connectionID version } }",
        id=conn_id,
    )
    assert status["getOperatorStatus"] == {
        "status": "DEPLOYED",
        "controller": "OPERATOR",
        "connectionID": conn_id,
        "version": "1.0.5",
    }
    meshsync = await graphql(
        client, "query($id: String!) { getMeshsyncStatus(connectionID: $id) { name status } }", id=conn_id
    )
    assert meshsync["getMeshsyncStatus"]["status"] == "ENABLED"
    removed = await graphql(client, mutation, input={"targetStatus": "DISABLED", "contextID": conn_id})
    assert removed["changeOperatorStatus"] == "DISABLED"
    gone = target_cluster.kubectl("get", "deployment", "meshery-operator", "-n", "meshery", check=False)
    assert gone.returncode != 0

    # Disconnecting stops discovery; deleting the context forgets its objects.
    updated = await client.put(f"/api/integrations/connections/{conn_id}", json={"status": "disconnected"})
    assert updated.json()["status"] == "disconnected"
    deleted = await client.delete(f"/api/system/kubernetes/contexts/{conn_id}")
    assert deleted.status_code == 200
    assert await pod_names(client, target_cluster.namespace) == set()
