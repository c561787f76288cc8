"""The UI's GraphQL documents over WebSocket, both protocols, against a server syncing an emulated cluster.

The server process discovers the Kubernetes API emulator with embedded MeshSync, as in
production; mesh pods and services are seeded in the emulator, and changes made there reach
``subscribeMeshSyncEvents`` through ingestion and the bus.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
import websockets

from tests.fixtures.kubeemu import TOKEN
from tests.fixtures.server import ServerProcess
from tests.graphql import ui_documents as docs
from tests.graphql.meshes import mesh_objects, mesh_pod
from tests.kubeemu import KubeEmulator

pytestmark = pytest.mark.meshsync

PATH = "/api/system/graphql/query"
TRANSPORT, LEGACY = "graphql-transport-ws", "graphql-ws"
WAIT = 20


class Client:
    """One WebSocket speaking either protocol; replies are sorted by operation id."""

    def __init__(self, ws: Any, protocol: str) -> None:
        self.ws = ws
        self.protocol = protocol
        self.ids = itertools.count(1)
        self.pending: dict[str, list[dict[str, Any]]] = {}

    async def start(self, query: str, **variables: Any) -> str:
        op = str(next(self.ids))
        kind = "subscribe" if self.protocol == TRANSPORT else "start"
        await self.ws.send(json.dumps({"id": op, "type": kind, "payload": {"query": query, "variables": variables}}))
        return op

    async def next(self, op: str) -> dict[str, Any]:
        """The next result of ``op`` (its ``data``); fails on an error or a timeout."""
        async with asyncio.timeout(WAIT):
            while not self.pending.get(op):
                message = json.loads(await self.ws.recv())
                if message.get("type") in ("ka", "ping", "pong", "complete"):
                    continue
                assert message.get("type") in ("next", "data"), message
                assert "errors" not in message["payload"], message
                self.pending.setdefault(message["id"], []).append(message["payload"]["data"])
        return self.pending[op].pop(0)

    async def until(self, op: str, check: Any) -> dict[str, Any]:
        while True:
            data = await self.next(op)
            if check(data):
                return data


@asynccontextmanager
async def _connect(server: ServerProcess, protocol: str) -> AsyncIterator[Client]:
    async with websockets.connect(server.ws_url + PATH, subprotocols=[protocol]) as ws:
        assert ws.subprotocol == protocol
        await ws.send(json.dumps({"type": "connection_init", "payload": {}}))
        assert json.loads(await ws.recv())["type"] == "connection_ack"
        yield Client(ws, protocol)


class Cluster:
    def __init__(self, emulator: KubeEmulator, server: ServerProcess, connection_id: str, context_id: str) -> None:
        self.emulator = emulator
        self.server = server
        self.connection_id = connection_id
        self.context_id = context_id


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    workdir = tmp_path_factory.mktemp("graphql-ui")
    with KubeEmulator(tokens=[TOKEN], bookmark_interval=0.2) as emu:
        emu.seed(mesh_objects())
        kubeconfig = emu.write_kubeconfig(workdir / "config", "mesh-cluster").read_bytes()
        server = ServerProcess(workdir=workdir)
        server.start()
        try:
            with httpx.Client(base_url=server.url, timeout=WAIT) as http:
                body = http.post("/api/system/kubernetes", files={"k8sfile": ("c", kubeconfig)}).json()
            ctx = body["connected_contexts"][0]
            yield Cluster(emu, server, ctx["connection_id"], ctx["id"])
        finally:
            server.stop()


@pytest.mark.parametrize("protocol", [TRANSPORT, LEGACY])
async def test_k8s_contexts_in_both_spellings(cluster: Cluster, protocol: str) -> None:
    async with _connect(cluster.server, protocol) as client:
        op = await client.start(docs.K8S_CONTEXTS, selector={"page": "0", "pageSize": "10"})
        page = (await client.next(op))["k8sContext"]
        assert page["total_count"] == 1
        ctx = page["contexts"][0]
        assert (ctx["id"], ctx["name"], ctx["connectionId"]) == (
            cluster.context_id,
            "mesh-cluster",
            cluster.connection_id,
        )
        assert ctx["kubernetesServerId"] and ctx["deploymentType"] == "out_of_cluster"
        assert ctx["createdAt"] and ctx["updatedAt"] and ctx["createdBy"] == ctx["owner"]


@pytest.mark.parametrize("protocol", [TRANSPORT, LEGACY])
async def test_controllers_and_operator_by_context_id(cluster: Cluster, protocol: str) -> None:
    async with _connect(cluster.server, protocol) as client:
        # The 2024 UI asks for "every context" with [""].
        op = await client.start(docs.CONTROLLERS_STATUS_2024, k8scontextIDs=[""])
        items = (await client.next(op))["subscribeMesheryControllersStatus"]
        assert sorted(i["controller"] for i in items) == ["BROKER", "MESHSYNC", "OPERATOR"]
        assert {i["contextId"] for i in items} == {cluster.context_id}
        operator = await client.start(docs.OPERATOR_STATUS_2024, k8scontextID=cluster.context_id)
        assert (await client.next(operator))["operator"] == {
            "status": "NOTDEPLOYED",
            "controller": "OPERATOR",
            "contextId": cluster.context_id,
        }
        current = await client.start(docs.OPERATOR_STATUS, connectionID=cluster.connection_id)
        assert (await client.next(current))["operator"]["connectionID"] == cluster.connection_id
        meshsync = await client.start(docs.MESHSYNC_STATUS_2024, k8scontextID=cluster.context_id)
        assert (await client.next(meshsync))["controller"]["name"] == "meshsync"
        nats = await client.start(docs.NATS_STATUS_2024, k8scontextID=cluster.context_id)
        assert (await client.next(nats))["controller"]["name"] == "broker"


def _istio(data: dict[str, Any]) -> list[str]:
    return sorted(m["component"] for cp in data["controlPlanesState"] if cp["name"] == "istio" for m in cp["members"])


async def test_mesh_queries_over_websocket(cluster: Cluster) -> None:
    async with _connect(cluster.server, TRANSPORT) as client:
        # MeshSync is RUNNING once its first lists are stored.
        status = await client.start(docs.CONTROLLERS_STATUS_2024, k8scontextIDs=[cluster.context_id])
        await client.until(
            status,
            lambda d: any(
                i["controller"] == "MESHSYNC" and i["status"] == "RUNNING"
                for i in d["subscribeMesheryControllersStatus"]
            ),
        )
        flt = {"type": "ISTIO", "k8sClusterIDs": [cluster.context_id]}
        assert _istio(await client.next(await client.start(docs.CONTROL_PLANES, filter=flt))) == ["istio", "istiod"]
        planes = (await client.next(await client.start(docs.DATA_PLANES, filter=flt)))["dataPlanesState"]
        assert sorted(p["controlPlaneMemberName"] for p in planes[0]["proxies"]) == [
            "istio-ingressgateway-5f-xyz",
            "productpage-v1-1",
        ]
        addons = (await client.next(await client.start(docs.ADDONS, filter=flt)))["addonsState"]
        assert sorted(a["name"] for a in addons) == ["grafana", "kiali", "prometheus"]
        comps = (await client.next(await client.start(docs.TELEMETRY, contexts=[cluster.context_id])))["telemetryComps"]
        assert sorted(c["name"] for c in comps) == ["grafana", "kube-prometheus-stack-grafana", "prometheus"]


async def test_meshsync_events_in_both_protocols(cluster: Cluster) -> None:
    async with _connect(cluster.server, LEGACY) as legacy, _connect(cluster.server, TRANSPORT) as current:
        added = await legacy.start(docs.MESHSYNC_EVENTS_2024, k8scontextIDs=[cluster.context_id], eventTypes=["ADDED"])
        every = await current.start(docs.MESHSYNC_EVENTS, connectionIDs=[cluster.connection_id])
        other = await current.start(docs.MESHSYNC_EVENTS, connectionIDs=["some-other-cluster"])
        await asyncio.sleep(0.5)  # both subscriptions in place before the change
        cluster.emulator.seed([mesh_pod("reviews-v2-1", "bookinfo", [("istio-proxy", "istio/proxyv2:1.22.1")])])

        def named(data: dict[str, Any]) -> bool:
            return bool(data["meshsyncevents"]["object"]["metadata"]["name"] == "reviews-v2-1")

        event = (await legacy.until(added, named))["meshsyncevents"]
        assert event["type"] == "ADDED" and event["contextId"] == cluster.context_id
        assert event["object"]["kind"] == "Pod" and event["object"]["spec"]["attribute"]
        seen = (await current.until(every, named))["meshsyncevents"]
        assert seen["connectionID"] == cluster.connection_id

        cluster.emulator.delete("v1", "Pod", "reviews-v2-1", "bookinfo")
        gone = await current.until(every, lambda d: d["meshsyncevents"]["type"] == "DELETED" and named(d))
        assert gone["meshsyncevents"]["object"]["metadata"] == {"name": "reviews-v2-1", "namespace": "bookinfo"}
        assert not current.pending.get(other)  # another cluster's subscriber heard nothing


async def test_events_carry_owner(cluster: Cluster) -> None:
    async with _connect(cluster.server, LEGACY) as client:
        op = await client.start(docs.EVENTS)
        await asyncio.sleep(0.3)
        async with httpx.AsyncClient(base_url=cluster.server.url, timeout=WAIT) as http:
            posted = await http.post(
                "/api/system/events", json={"category": "ui", "action": "test", "description": "x"}
            )
            assert posted.status_code == 201
        event = (await client.until(op, lambda d: d["event"]["category"] == "ui"))["event"]
        assert event["owner"] == event["userID"] and event["owner"]
        assert event["id"] == posted.json()["id"]
