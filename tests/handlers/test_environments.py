"""Environment routes: CRUD, attached connections, detaching everywhere on delete, ownership (both databases)."""

from __future__ import annotations

import httpx

from tests.handlers.test_kubernetes import unreachable_kubeconfig, upload
from tests.handlers.test_workspaces import BOB, MISSING, golden, make_workspace, users_client

__all__ = ["users_client"]


async def _connections(client: httpx.AsyncClient, *names: str) -> list[str]:
    body = (await upload(client, unreachable_kubeconfig(*names))).json()
    return [c["connection_id"] for c in body["registered_contexts"]]


async def test_crud_and_golden_keys(users_client: httpx.AsyncClient) -> None:
    created = await users_client.post(
        "/api/environments", json={"name": "test-environment", "description": "integration test"}
    )
    assert created.status_code == 201
    env = created.json()
    expected = golden("environments/fixtures/create.environment.response.golden")
    assert set(expected["environments"][0]) <= set(env)
    assert env["owner"] == "alice" and env["deleted_at"] == {"Time": "0001-01-01T00:00:00Z", "Valid": False}
    listed = (await users_client.get("/api/environments")).json()
    expected = golden("environments/fixtures/list.environment.response.golden")
    # upstream's keys, and @meshery/schemas' camelCase spellings beside them
    assert set(listed) == set(expected) | {"pageSize", "totalCount"}
    assert set(expected["environments"][0]) <= set(listed["environments"][0])
    item = listed["environments"][0]
    assert item["schemaVersion"] == "environments.meshery.io/v1beta1"
    assert (item["organizationId"], item["createdAt"]) == (item["organization_id"], item["created_at"])
    url = f"/api/environments/{env['id']}"
    assert (await users_client.get(url)).json()["name"] == "test-environment"
    updated = (await users_client.put(url, json={"description": "changed", "organizationID": MISSING})).json()
    assert (updated["description"], updated["organization_id"]) == ("changed", MISSING)
    by_org = (await users_client.get("/api/environments", params={"orgID": MISSING})).json()
    assert by_org["total_count"] == 1
    assert (await users_client.delete(url)).status_code == 200
    gone = await users_client.get(url)
    assert gone.status_code == 404 and gone.json()["code"] == "meshery-server-1701"


async def test_connections_attach_list_detach(users_client: httpx.AsyncClient) -> None:
    a, b, c = await _connections(users_client, "a", "b", "c")
    env = (await users_client.post("/api/environments", json={"name": "prod"})).json()
    url = f"/api/environments/{env['id']}/connections"
    for conn in (a, b):
        attached = await users_client.post(f"{url}/{conn}")
        assert attached.status_code == 201
        assert (attached.json()["environment_id"], attached.json()["connection_id"]) == (env["id"], conn)
    page = (await users_client.get(url, params={"order": "name asc"})).json()
    expected = golden("connections/fixtures/list.connection.api.response.golden")
    assert set(expected) <= set(page)
    assert set(expected["connections"][0]) <= set(page["connections"][0])
    assert [x["name"] for x in page["connections"]] == ["a", "b"]
    assert page["status_summary"] == {"not found": 2}
    assert [e["id"] for e in page["connections"][0]["environments"]] == [env["id"]]
    # the connection's own answer names its environments too
    one = (await users_client.get(f"/api/integrations/connections/{a}")).json()
    assert [e["name"] for e in one["environments"]] == ["prod"]
    assert (await users_client.get(url, params={"search": "B"})).json()["total_count"] == 1
    assert (await users_client.delete(f"{url}/{a}")).status_code == 200
    missing = await users_client.delete(f"{url}/{c}")
    assert missing.status_code == 404 and missing.json()["code"] == "meshery-server-1704"
    unknown = await users_client.post(f"{url}/nope")
    assert unknown.status_code == 404 and unknown.json()["code"] == "meshery-server-1303"
    # deleting a connection detaches it
    await users_client.delete(f"/api/integrations/connections/{b}")
    assert (await users_client.get(url)).json()["total_count"] == 0


async def test_delete_detaches_everywhere(users_client: httpx.AsyncClient) -> None:
    (conn,) = await _connections(users_client, "a")
    env = (await users_client.post("/api/environments", json={"name": "staging"})).json()
    ws = await make_workspace(users_client)
    await users_client.post(f"/api/environments/{env['id']}/connections/{conn}")
    await users_client.post(f"/api/workspaces/{ws['id']}/environments/{env['id']}")
    assert (await users_client.delete(f"/api/environments/{env['id']}")).status_code == 200
    assert (await users_client.get(f"/api/workspaces/{ws['id']}/environments")).json()["total_count"] == 0
    assert (await users_client.get(f"/api/integrations/connections/{conn}")).json()["environments"] == []
    # the same id, were it reused, would find nothing attached
    assert (await users_client.get(f"/api/environments/{env['id']}/connections")).status_code == 404


async def test_another_users_environment_is_not_found(users_client: httpx.AsyncClient) -> None:
    env = (await users_client.post("/api/environments", json={"name": "mine"})).json()
    url = f"/api/environments/{env['id']}"
    for method, path in (("GET", url), ("PUT", url), ("DELETE", url), ("GET", f"{url}/connections")):
        response = await users_client.request(method, path, headers=BOB, json={} if method == "PUT" else None)
        assert response.status_code == 404 and response.json()["code"] == "meshery-server-1701"
    assert (await users_client.get("/api/environments", headers=BOB)).json()["total_count"] == 0


async def test_bad_input_is_catalogued_4xx(users_client: httpx.AsyncClient) -> None:
    for response in (
        await users_client.get("/api/environments/not-a-uuid"),
        await users_client.post("/api/environments", json={}),
        await users_client.post("/api/environments", json={"name": "x" * 101}),
        await users_client.put(f"/api/environments/{MISSING}", json={"name": 3}),
        await users_client.post(f"/api/environments/bad/connections/{MISSING}"),
    ):
        assert response.status_code == 400, response.text
        assert response.json()["code"].startswith("meshery-server-")


async def test_a_json_body_without_content_type_is_read_as_json(users_client: httpx.AsyncClient) -> None:
    body = b'{"name": "untyped", "description": "no content type"}'
    for path in ("/api/environments", "/api/workspaces"):
        created = await users_client.post(path, content=body)
        assert created.status_code == 201, created.text
        assert created.json()["name"] == "untyped"
        refused = await users_client.post(path, content=b'{"description": "no name"}')
        assert refused.status_code == 400
