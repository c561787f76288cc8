"""Live views against a real server process and the emulator: GraphQL subscriptions and SSE."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import httpx
import pytest
import websockets

from tests.fixtures.kubeemu import TOKEN
from tests.fixtures.server import ServerProcess
from tests.kubeemu import KubeEmulator, pod

pytestmark = pytest.mark.meshsync

PATH = "/api/system/graphql/query"


async def _next(ws: Any) -> dict[str, Any]:
    while True:
        message = json.loads(await asyncio.wait_for(ws.recv(), 10))
        if message.get("type") == "next":
            return message["payload"]["data"]  # type: ignore[no-any-return]
        assert message.get("type") in ("ka", "ping", "pong"), message


async def _subscribe(ws: Any, query: str, variables: dict[str, Any]) -> None:
    await ws.send(json.dumps({"type": "connection_init"}))
    assert json.loads(await ws.recv())["type"] == "connection_ack"
    await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": query, "variables": variables}}))


async def test_subscriptions_and_sse(server_factory: type[ServerProcess], tmp_path: Path) -> None:
    with KubeEmulator(tokens=[TOKEN], bookmark_interval=0.2) as emu:
        emu.seed([pod(f"p{i}", namespace="live") for i in range(3)])
        kubeconfig = emu.write_kubeconfig(tmp_path / "config", "live-cluster").read_bytes()
        server = server_factory()
        server.start()
        async with httpx.AsyncClient(base_url=server.url, timeout=20) as http:
            body = (await http.post("/api/system/kubernetes", files={"k8sfile": ("c", kubeconfig)})).json()
            conn_id = body["connected_contexts"][0]["connection_id"]

            query = (
                "subscription($ns: String!) { subscribeClusterResources(k8scontextIDs: [], namespace: $ns) "
                "{ resources { kind count } } }"
            )
            async with websockets.connect(server.ws_url + PATH, subprotocols=["graphql-transport-ws"]) as ws:
                await _subscribe(ws, query, {"ns": "live"})

                def pods(data: dict[str, Any]) -> int:
                    counts = {r["kind"]: r["count"] for r in data["subscribeClusterResources"]["resources"]}
                    return int(counts.get("Pod", 0))

                seen = pods(await _next(ws))
                while seen < 3:
                    seen = pods(await _next(ws))
                emu.seed([pod("p-new", namespace="live")])
                while seen < 4:
                    seen = pods(await _next(ws))

            async with websockets.connect(server.ws_url + PATH, subprotocols=["graphql-transport-ws"]) as ws:
                await _subscribe(
                    ws,
                    "subscription($s: PageFilter!) { subscribeK8sContext(selector: $s) "
                    "{ total_count contexts { name connection_id status } } }",
                    {"s": {"page": "0", "pageSize": "10"}},
                )
                page = (await _next(ws))["subscribeK8sContext"]
                assert page["total_count"] == 1
                assert page["contexts"][0] == {"name": "live-cluster", "connection_id": conn_id, "status": "connected"}

            async with websockets.connect(server.ws_url + PATH, subprotocols=["graphql-transport-ws"]) as ws:
                await _subscribe(
                    ws,
                    "subscription($ids: [String!]) { subscribeMesheryControllersStatus("
                    "connectionIDs: $ids) { controller status connectionID } }",
                    {"ids": [conn_id]},
                )
                items = (await _next(ws))["subscribeMesheryControllersStatus"]
                assert {i["controller"]: i["status"] for i in items}["OPERATOR"] == "NOTDEPLOYED"

            url = "/api/system/kubernetes/controllers/status/stream"
            async with http.stream("GET", url, params={"connectionIds": conn_id}) as stream:
                assert stream.headers["content-type"].startswith("text/event-stream")
                async for line in stream.aiter_lines():
                    if line.startswith("data: "):
                        items = json.loads(line[len("data: ") :])
                        break
            assert sorted(i["controller"] for i in items) == ["BROKER", "MESHSYNC", "OPERATOR"]
            assert all(i["connectionID"] == conn_id for i in items)
