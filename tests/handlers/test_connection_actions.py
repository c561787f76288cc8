"""Connection routes beyond CRUD: counts by status, per-kind status changes, the URL wizard,
a Kubernetes connection's context and Meshery server connections (both databases)."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from tests.handlers.test_kubernetes import unreachable_kubeconfig, upload
from tests.handlers.test_workspaces import BOB, MISSING, users_client

__all__ = ["users_client"]

CONNECTIONS = "/api/integrations/connections"


async def make(client: httpx.AsyncClient, kind: str, name: str, **extra: Any) -> dict[str, Any]:
    response = await client.post(CONNECTIONS, json={"kind": kind, "name": name, "type": "platform", **extra})
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


async def test_status_counts_are_the_users_own(users_client: httpx.AsyncClient) -> None:
    assert (await users_client.get(f"{CONNECTIONS}/status")).json() == {"connections_status": []}
    await make(users_client, "prometheus", "p1")
    await make(users_client, "prometheus", "p2", status="connected")
    await make(users_client, "grafana", "g1", status="connected")
    await make(users_client, "grafana", "bobs", status="connected")
    body = (await users_client.get(f"{CONNECTIONS}/status")).json()
    assert body == {"connections_status": [{"status": "connected", "count": 3}, {"status": "registered", "count": 1}]}
    bob = (await users_client.get(f"{CONNECTIONS}/status", headers=BOB)).json()
    assert bob == {"connections_status": []}


async def test_status_of_several_connections_of_a_kind(users_client: httpx.AsyncClient) -> None:
    p1 = await make(users_client, "prometheus", "p1")
    p2 = await make(users_client, "prometheus", "p2", status="connected")
    graf = await make(users_client, "grafana", "g1")
    body = {p1["id"]: "connected", p2["id"]: "discovered", graf["id"]: "connected", MISSING: "connected"}
    response = await users_client.put(f"{CONNECTIONS}/prometheus/status", json=body)
    assert response.status_code == 202, response.text
    result = response.json()
    assert result["updated"] == {p1["id"]: "connected"}
    assert set(result["failed"]) == {p2["id"], graf["id"], MISSING}
    assert "meshery-server-1764" in result["failed"][graf["id"]]  # another kind
    assert (await users_client.get(f"{CONNECTIONS}/{p1['id']}")).json()["status"] == "connected"
    assert (await users_client.get(f"{CONNECTIONS}/{graf['id']}")).json()["status"] == "registered"
    # Another user's connection does not move.
    theirs = await users_client.put(f"{CONNECTIONS}/prometheus/status", json={p1["id"]: "disconnected"}, headers=BOB)
    assert theirs.json()["updated"] == {}
    odd = await users_client.put(f"{CONNECTIONS}/prometheus/status", json={"not-a-uuid": "connected"})
    assert (odd.status_code, odd.json()["failed"]) == (202, {"not-a-uuid": "not a connection id"})
    for bad in ({p1["id"]: "sideways"}, {p1["id"]: 3}):
        refused = await users_client.put(f"{CONNECTIONS}/prometheus/status", json=bad)
        assert refused.status_code == 400, bad
        assert refused.json()["code"].startswith("meshery-server-")


async def test_kubernetes_status_moves_through_the_state_machine(users_client: httpx.AsyncClient) -> None:
    body = (await upload(users_client, unreachable_kubeconfig("k"))).json()
    conn_id = body["errored_contexts"][0]["connection_id"]
    response = await users_client.put(f"{CONNECTIONS}/kubernetes/status", json={conn_id: "ignored"})
    assert response.json()["updated"] == {conn_id: "ignored"}


async def test_url_wizard(users_client: httpx.AsyncClient) -> None:
    url = "HTTPS://Charts.Example.com/stable/#top"
    verified = await users_client.post(f"{CONNECTIONS}/helm/verify", params={"id": url})
    assert verified.status_code == 200, verified.text
    assert verified.json() == {
        "kind": "helm",
        "url": "https://charts.example.com/stable",
        "scheme": "https",
        "host": "charts.example.com",
        "path": "/stable",
        "name": "stable",
        "verified": True,
    }
    meta = (await users_client.post(f"{CONNECTIONS}/helm/metadata", json={"url": url, "extra": 1})).json()
    assert meta == {"url": "https://charts.example.com/stable", "name": "stable", "extra": 1}
    made = await users_client.post(f"{CONNECTIONS}/helm/configure", json={"url": url})
    assert made.status_code == 201, made.text
    conn = made.json()
    assert (conn["kind"], conn["name"], conn["status"]) == ("helm", "stable", "registered")
    details = (await users_client.get(f"{CONNECTIONS}/helm/details", params={"id": url})).json()
    assert details["connection"]["id"] == conn["id"]
    # Configuring the same URL again updates that connection.
    again = (await users_client.post(f"{CONNECTIONS}/helm/configure", json={"url": url + "/", "name": "main"})).json()
    assert (again["id"], again["name"]) == (conn["id"], "main")
    listed = (await users_client.get(CONNECTIONS, params={"kind": "helm"})).json()
    assert listed["total_count"] == 1
    # Upstream's Helm wizard: the status by URL, metadata under repoURL stored on the connection.
    status = await users_client.get(f"{CONNECTIONS}/helm/status", params={"id": url})
    assert (status.status_code, status.json()["id"]) == (200, conn["id"])
    charts = {"repoURL": url, "charts": ["nginx"]}
    stored = (await users_client.post(f"{CONNECTIONS}/helm/metadata", json=charts)).json()
    assert stored["url"] == "https://charts.example.com/stable" and stored["charts"] == ["nginx"]
    assert (await users_client.get(f"{CONNECTIONS}/{conn['id']}")).json()["metadata"]["charts"] == ["nginx"]
    none = await users_client.get(f"{CONNECTIONS}/helm/status", params={"id": "https://other.example"})
    assert (none.status_code, none.json()["code"]) == (404, "meshery-server-1303")
    assert (await users_client.get(f"{CONNECTIONS}/helm/status")).status_code == 400
    # Bob has none.
    bobs = await users_client.get(f"{CONNECTIONS}/helm/details", params={"id": url}, headers=BOB)
    assert "connection" not in bobs.json()
    for bad in ("ftp://example.com", "example.com/charts", "https://"):
        for route in ("verify", "details"):
            method = users_client.post if route == "verify" else users_client.get
            refused = await method(f"{CONNECTIONS}/helm/{route}", params={"id": bad})
            assert refused.status_code == 400, (route, bad)
            assert refused.json()["code"] == "meshery-server-1001"  # the spec's URL pattern
    assert (await users_client.post(f"{CONNECTIONS}/helm/configure", json={"name": "x"})).status_code == 400
    assert (await users_client.post(f"{CONNECTIONS}/helm/verify")).status_code == 400


async def test_kubernetes_connection_context(users_client: httpx.AsyncClient) -> None:
    body = (await upload(users_client, unreachable_kubeconfig("ctx"))).json()
    conn_id = body["errored_contexts"][0]["connection_id"]
    response = await users_client.get(f"{CONNECTIONS}/kubernetes/{conn_id}/context")
    assert response.status_code == 200, response.text
    context = response.json()
    assert (context["name"], context["connection_id"]) == ("ctx", conn_id)
    assert "TOPSECRET" not in response.text
    other = await make(users_client, "grafana", "g")
    mismatch = await users_client.get(f"{CONNECTIONS}/kubernetes/{other['id']}/context")
    assert (mismatch.status_code, mismatch.json()["code"]) == (404, "meshery-server-1764")
    assert (await users_client.get(f"{CONNECTIONS}/kubernetes/{MISSING}/context")).status_code == 404
    malformed = await users_client.get(f"{CONNECTIONS}/kubernetes/not-a-uuid/context")
    assert malformed.status_code in (400, 404) and malformed.json()["code"].startswith("meshery-server-")
    assert (await users_client.get(f"{CONNECTIONS}/kubernetes/{conn_id}/context", headers=BOB)).status_code == 404


async def test_delete_meshery_connection(users_client: httpx.AsyncClient) -> None:
    server_id = str(uuid.uuid4())
    conn = await make(users_client, "meshery", "peer", metadata={"server_id": server_id})
    assert (await users_client.delete(f"{CONNECTIONS}/meshery/{server_id}", headers=BOB)).status_code == 404
    deleted = await users_client.delete(f"{CONNECTIONS}/meshery/{server_id}")
    assert (deleted.status_code, deleted.content) == (204, b"")
    assert (await users_client.get(f"{CONNECTIONS}/{conn['id']}")).status_code == 404
    gone = await users_client.delete(f"{CONNECTIONS}/meshery/{server_id}")
    assert (gone.status_code, gone.json()["code"]) == (404, "meshery-server-1303")
    malformed = await users_client.delete(f"{CONNECTIONS}/meshery/not-a-uuid")
    assert malformed.status_code in (400, 404) and malformed.json()["code"].startswith("meshery-server-")
