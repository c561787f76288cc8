"""Finding 8: Kubernetes contexts, their MeshSync data, operator actions and subscriptions are per user.

A server process under the reference provider, alice's kubeconfig of an emulated cluster
(connected, MeshSync discovering its pods). Bob, with his own session, neither lists, reads,
pings, resyncs nor deletes her context, sees none of her cluster's resources (REST, GraphQL
queries and the subscriptions ``subscribeK8sContext`` / ``subscribeClusterResources``) and
cannot run ``changeOperatorStatus`` on it; alice still can.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import httpx
import pytest
import websockets

from generated import errors
from tests.fixtures.kubeemu import TOKEN
from tests.fixtures.remote_provider import RemoteProviderProcess
from tests.fixtures.server import ServerProcess
from tests.kubeemu import KubeEmulator, pod

pytestmark = pytest.mark.meshsync

GRAPHQL = "/api/system/graphql/query"
RESOURCES = (
    "subscription($ids: [String!], $ns: String!) { "
    "subscribeClusterResources(k8scontextIDs: $ids, namespace: $ns) { resources { kind count } } }"
)
CONTEXTS = (
    "subscription($s: PageFilter!) { subscribeK8sContext(selector: $s) { total_count contexts { id connection_id } } }"
)


async def _first(server: ServerProcess, token: str, query: str, variables: dict[str, Any]) -> dict[str, Any]:
    """The first answer of a subscription opened with ``token`` (data, or the errors)."""
    headers = {"Cookie": f"meshery-provider=Reference; token={token}"}
    async with websockets.connect(
        server.ws_url + GRAPHQL, subprotocols=["graphql-transport-ws"], additional_headers=headers
    ) as ws:
        await ws.send(json.dumps({"type": "connection_init"}))
        assert json.loads(await ws.recv())["type"] == "connection_ack"
        await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": query, "variables": variables}}))
        while True:
            message = json.loads(await asyncio.wait_for(ws.recv(), 10))
            if message.get("type") == "next":
                return message["payload"]  # type: ignore[no-any-return]
            if message.get("type") == "error":
                return {"errors": message["payload"]}
            assert message.get("type") in ("ka", "ping", "pong"), message


async def _pods(http: httpx.AsyncClient, cluster_id: str) -> int:
    page = (await http.get("/api/system/meshsync/resources", params={"kind": "Pod", "clusterIds": cluster_id})).json()
    return int(page["total_count"])


async def test_bob_cannot_reach_alices_contexts(
    server_factory: type[ServerProcess], remote_provider: RemoteProviderProcess, tmp_path: Path
) -> None:
    with KubeEmulator(tokens=[TOKEN], bookmark_interval=0.2) as emu:
        emu.seed([pod(f"p{i}", namespace="team-a") for i in range(2)])
        kubeconfig = emu.write_kubeconfig(tmp_path / "config", "alice-cluster").read_bytes()
        server = server_factory(env={"PROVIDER": "Reference", "PROVIDER_BASE_URLS": remote_provider.url})
        server.start()
        alice_token, bob_token = remote_provider.issue("alice"), remote_provider.issue("bob")
        cookie = "meshery-provider=Reference; token={}"
        async with (
            httpx.AsyncClient(base_url=server.url, timeout=20, headers={"Cookie": cookie.format(alice_token)}) as alice,
            httpx.AsyncClient(base_url=server.url, timeout=20, headers={"Cookie": cookie.format(bob_token)}) as bob,
        ):
            uploaded = (await alice.post("/api/system/kubernetes", files={"k8sfile": ("c", kubeconfig)})).json()
            (connected,) = uploaded["connected_contexts"]
            conn_id, ctx_id = connected["connection_id"], connected["id"]
            context = (await alice.get(f"/api/system/kubernetes/contexts/{ctx_id}")).json()
            cluster_id = context["kubernetes_server_id"]
            for _ in range(100):  # MeshSync discovers the pods in the background
                if await _pods(alice, cluster_id) >= 2:
                    break
                await asyncio.sleep(0.1)
            assert await _pods(alice, cluster_id) == 2

            # REST: lists are empty, ids are unknown.
            assert (await bob.get("/api/system/kubernetes/contexts")).json()["total_count"] == 0
            for method, url in (
                ("GET", f"/api/system/kubernetes/contexts/{ctx_id}"),
                ("GET", f"/api/system/kubernetes/ping?connection_id={conn_id}"),
                ("POST", f"/api/system/kubernetes/contexts/{ctx_id}/resync"),
                ("DELETE", f"/api/system/kubernetes/contexts/{ctx_id}"),
                ("GET", f"/api/system/kubernetes/connections/{conn_id}/operator/status"),
            ):
                response = await bob.request(method, url, json={"reSync": True} if method == "POST" else None)
                assert response.status_code == 404, (method, url, response.text)
            assert await _pods(bob, cluster_id) == 0
            summary = (await bob.get("/api/system/meshsync/resources/summary")).json()
            assert not any(summary.get(k) for k in ("kinds", "namespaces", "labels", "annotations")), summary
            namespaces = (await bob.get("/api/system/kubernetes/namespaces", params={"clusterIds": cluster_id})).json()
            assert namespaces["namespaces"] == []

            # GraphQL: queries and the operator action.
            change = {
                "query": "mutation($i: OperatorStatusInput!) { changeOperatorStatus(input: $i) }",
                "variables": {"i": {"targetStatus": "DISABLED", "contextID": ctx_id}},
            }
            denied = (await bob.post(GRAPHQL, json=change)).json()
            assert denied.get("errors") and not (denied.get("data") or {}).get("changeOperatorStatus"), denied
            assert errors.ErrKubernetesContextNotFound.code in json.dumps(denied) or "not found" in json.dumps(denied)
            query = {
                "query": "query($ids: [String!], $ns: String!) { "
                "getClusterResources(k8scontextIDs: $ids, namespace: $ns) { resources { kind count } } }",
                "variables": {"ids": [ctx_id], "ns": "team-a"},
            }
            theirs = (await bob.post(GRAPHQL, json=query)).json()
            assert not ((theirs.get("data") or {}).get("getClusterResources") or {}).get("resources"), theirs
            mine = (await alice.post(GRAPHQL, json=query)).json()
            assert {"kind": "Pod", "count": 2} in mine["data"]["getClusterResources"]["resources"]

            # Subscriptions: bob's views are empty, alice's are not.
            bob_contexts = await _first(server, bob_token, CONTEXTS, {"s": {"page": "0", "pageSize": "10"}})
            assert bob_contexts["data"]["subscribeK8sContext"]["total_count"] == 0, bob_contexts
            alice_contexts = await _first(server, alice_token, CONTEXTS, {"s": {"page": "0", "pageSize": "10"}})
            assert alice_contexts["data"]["subscribeK8sContext"]["contexts"][0]["connection_id"] == conn_id
            for ids in ([ctx_id], []):
                seen = await _first(server, bob_token, RESOURCES, {"ids": ids, "ns": "team-a"})
                assert not ((seen.get("data") or {}).get("subscribeClusterResources") or {}).get("resources"), seen
            hers = await _first(server, alice_token, RESOURCES, {"ids": [ctx_id], "ns": "team-a"})
            assert {"kind": "Pod", "count": 2} in hers["data"]["subscribeClusterResources"]["resources"]

            # Nothing of alice's went.
            assert (await alice.get(f"/api/system/kubernetes/contexts/{ctx_id}")).status_code == 200
            assert (await alice.get("/api/system/kubernetes/contexts")).json()["total_count"] == 1
