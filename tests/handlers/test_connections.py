"""Connection routes: filters, get, state-machine transitions, delete (both databases)."""

from __future__ import annotations

import json

import httpx
from starlette.applications import Starlette

from tests.fixtures.queries import check_baseline, counting
from tests.handlers.test_kubernetes import unreachable_kubeconfig, upload


async def test_list_filters_and_pages(client: httpx.AsyncClient) -> None:
    await upload(client, unreachable_kubeconfig("a", "b", "c"))
    all_ = (await client.get("/api/integrations/connections", params={"pagesize": 2})).json()
    assert (all_["total_count"], len(all_["connections"]), all_["page_size"]) == (3, 2, 2)
    assert set(all_["connections"][0]) >= {"id", "name", "kind", "type", "sub_type", "status", "metadata",
                                           "credential_id", "created_at", "updated_at", "deleted_at"}  # fmt: skip
    # both spellings (upstream's server, @meshery/schemas); deleted_at only as upstream spells it (null)
    assert all_["pageSize"] == 2 and all_["totalCount"] == 3 and "statusSummary" in all_
    first = all_["connections"][0]
    assert (first["subType"], first["credentialId"]) == (first["sub_type"], first["credential_id"])
    assert first["deleted_at"] is None and "deletedAt" not in first
    by_name = (await client.get("/api/integrations/connections", params={"name": ["a", "c"]})).json()
    assert sorted(c["name"] for c in by_name["connections"]) == ["a", "c"]
    by_filter = (
        await client.get(
            "/api/integrations/connections",
            params={"filter": json.dumps({"status": ["not found"], "kind": "kubernetes"})},
        )
    ).json()
    assert by_filter["total_count"] == 3
    none = (await client.get("/api/integrations/connections", params={"status": "connected"})).json()
    assert none["total_count"] == 0
    search = (await client.get("/api/integrations/connections", params={"search": "B"})).json()
    assert [c["name"] for c in search["connections"]] == ["b"]
    ordered = (await client.get("/api/integrations/connections", params={"order": "name desc"})).json()
    assert [c["name"] for c in ordered["connections"]] == ["c", "b", "a"]
    as_search = (await client.get("/api/integrations/connections", params={"filter": "b"})).json()
    assert [c["name"] for c in as_search["connections"]] == ["b"]
    odd = await client.get("/api/integrations/connections", params={"filter": '{"kind": 3, "x": 1}'})
    assert odd.json()["total_count"] == 3


async def test_status_transitions_follow_the_state_machine(client: httpx.AsyncClient) -> None:
    body = (await upload(client, unreachable_kubeconfig("a"))).json()
    conn_id = body["registered_contexts"][0]["connection_id"]
    url = f"/api/integrations/connections/{conn_id}"
    assert (await client.get(url)).json()["status"] == "not found"
    ignored = await client.put(url, json={"status": "ignored"})
    assert ignored.status_code == 200 and ignored.json()["status"] == "ignored"
    refused = await client.put(url, json={"status": "connected"})
    assert refused.status_code == 409
    assert refused.json()["code"] == "meshery-server-1304"
    registered = await client.put(url, json={"status": "registered", "name": "renamed", "metadata": {"team": "x"}})
    assert registered.json()["status"] == "registered"
    assert registered.json()["name"] == "renamed"
    assert registered.json()["metadata"]["team"] == "x"
    # Connecting an unreachable cluster is accepted; discovery reports it disconnected and retries.
    connected = await client.put(url, json={"status": "connected"})
    assert connected.status_code == 200
    assert connected.json()["status"] in ("connected", "disconnected")
    assert (await client.put(url, json={"status": "bogus"})).status_code == 400
    assert (await client.put(url, json={"unknown": 1})).status_code == 400


async def test_unknown_ids_are_404(client: httpx.AsyncClient) -> None:
    for method in ("GET", "PUT", "DELETE"):
        response = await client.request(method, "/api/integrations/connections/nope",
                                        json={"status": "ignored"} if method == "PUT" else None)  # fmt: skip
        assert response.status_code == 404
        assert response.json()["code"] == "meshery-server-1303"


async def test_delete_removes_connection(client: httpx.AsyncClient) -> None:
    body = (await upload(client, unreachable_kubeconfig("a"))).json()
    conn_id = body["registered_contexts"][0]["connection_id"]
    deleted = await client.delete(f"/api/integrations/connections/{conn_id}")
    assert deleted.status_code == 200 and deleted.json()["id"] == conn_id
    assert (await client.get("/api/integrations/connections")).json()["total_count"] == 0


async def test_list_statements(client: httpx.AsyncClient, app: Starlette, database_url: str) -> None:
    await upload(client, unreachable_kubeconfig("a", "b", "c"))
    store = app.state.meshery.services.store
    with counting(store) as statements:
        assert (await client.get("/api/integrations/connections", params={"pagesize": 100})).status_code == 200
    dialect = "postgresql" if database_url else "sqlite"
    check_baseline(f"GET /api/integrations/connections ({dialect})", statements)


async def test_meshery_schemas_spellings_in_and_out(client: httpx.AsyncClient) -> None:
    """POST keeps @meshery/schemas' camelCase `subType`/`credentialId`; PUT takes its whole body."""
    cred = (await client.post("/api/integrations/credentials", json={"name": "c", "type": "prometheus"})).json()
    body = {"name": "prom", "kind": "prometheus", "type": "platform", "subType": "observability",
            "credentialId": cred["id"], "status": "connected"}  # fmt: skip
    created = await client.post("/api/integrations/connections", json=body)
    assert created.status_code == 201, created.text
    conn = created.json()
    assert (conn["sub_type"], conn["subType"]) == ("observability", "observability")
    assert (conn["credential_id"], conn["credentialId"]) == (cred["id"], cred["id"])
    other = (await client.post("/api/integrations/credentials", json={"name": "d", "type": "grafana"})).json()
    url = f"/api/integrations/connections/{conn['id']}"
    put = {**body, "name": "graf", "kind": "grafana", "subType": "dashboards", "credentialId": other["id"]}
    updated = await client.put(url, json=put)
    assert updated.status_code == 200, updated.text
    got = (await client.get(url)).json()
    assert (got["name"], got["kind"], got["subType"]) == ("graf", "grafana", "dashboards")
    assert got["credentialId"] == other["id"]
    refused = await client.put(url, json={**put, "kind": "kubernetes"})
    assert refused.status_code == 409 and refused.json()["code"] == "meshery-server-1750"
    missing = await client.put(url, json={**put, "credentialId": "00000000-0000-4000-8000-000000000001"})
    assert missing.status_code == 404
