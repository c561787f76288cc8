"""Workspace routes: CRUD, assignments of environments, designs, views and teams, ownership (both databases)."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from meshery.context import Session, User
from meshery.designs import service as designs
from tests.fixtures.contract import ContractChecker, contract_client
from tests.fixtures.registry import GOLDEN

ORG = "2d2c0b60-076a-4f0a-8a63-de538570a553"
MISSING = "00000000-0000-4000-8000-000000000000"


class TokenUsers:
    """A provider whose sessions are named by their token: ``Bearer bob`` is user bob (default alice)."""

    name = "None"

    async def authenticate(self, *, token: str | None) -> Session:
        return Session(user=User(user_id=token or "alice", provider=self.name), token=token)


BOB = {"Authorization": "Bearer bob"}


@pytest.fixture
async def users_client(app: Starlette, contract: ContractChecker) -> AsyncIterator[httpx.AsyncClient]:
    """The app's client where requests are alice's unless they carry ``BOB``."""
    app.state.meshery.provider = TokenUsers()
    async with contract_client(app, contract) as http:
        yield http


def golden(path: str) -> dict[str, Any]:
    file = GOLDEN / "internal/cli/root" / path
    if not file.is_file():
        pytest.skip(f"mesheryctl golden file not present at {file}")
    return json.loads(file.read_text())  # type: ignore[no-any-return]


async def make_workspace(client: httpx.AsyncClient, name: str = "ws", **extra: Any) -> dict[str, Any]:
    response = await client.post("/api/workspaces", json={"name": name, "description": "d", **extra})
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


async def test_create_get_update_delete(users_client: httpx.AsyncClient) -> None:
    payload = golden("workspaces/fixtures/create.workspace.api.response.golden")
    created = (await users_client.post("/api/workspaces", json=payload)).json()
    assert created["name"] == payload["name"] and created["organizationId"] == payload["organization_id"]
    assert created["owner"] == "alice"
    url = f"/api/workspaces/{created['id']}"
    view = golden("workspaces/fixtures/view.workspace.api.response.golden")
    got = (await users_client.get(url)).json()
    assert set(view) <= set(got)
    assert got["deletedAt"] == {"Time": "0001-01-01T00:00:00Z", "Valid": False}
    updated = (await users_client.put(url, json={"name": "renamed", "metadata": {"k": "v"}})).json()
    assert (updated["name"], updated["description"], updated["metadata"]) == (
        "renamed",
        payload["description"],
        {"k": "v"},
    )
    assert (await users_client.delete(url)).json()["id"] == created["id"]
    gone = await users_client.get(url)
    assert gone.status_code == 404 and gone.json()["code"] == "meshery-server-1700"


async def test_list_pages_search_order_org_and_golden_keys(users_client: httpx.AsyncClient) -> None:
    for i in range(5):
        await make_workspace(users_client, f"workspace-{i}", **({"organization_id": ORG} if i % 2 == 0 else {}))
    other_org = str(uuid.uuid4())
    await make_workspace(users_client, "elsewhere", organizationId=other_org)
    listed = (await users_client.get("/api/workspaces", params={"pagesize": 2, "order": "name asc"})).json()
    expected = golden("workspaces/fixtures/list.workspace.api.response.golden")
    assert set(listed) == set(expected) | {"pageSize", "totalCount"}  # with @meshery/schemas' spellings
    assert set(expected["workspaces"][0]) <= set(listed["workspaces"][0])
    assert listed["workspaces"][0]["organizationId"] == listed["workspaces"][0]["organization_id"]
    assert (listed["total_count"], listed["page_size"], [w["name"] for w in listed["workspaces"]]) == (
        6, 2, ["elsewhere", "workspace-0"]
    )  # fmt: skip
    page2 = (await users_client.get("/api/workspaces", params={"pagesize": 2, "page": 1, "order": "name asc"})).json()
    assert [w["name"] for w in page2["workspaces"]] == ["workspace-1", "workspace-2"]
    by_org = (await users_client.get("/api/workspaces", params={"orgID": ORG})).json()
    assert sorted(w["name"] for w in by_org["workspaces"]) == ["workspace-0", "workspace-2", "workspace-4"]
    search = (await users_client.get("/api/workspaces", params={"search": "ELSE"})).json()
    assert [w["organization_id"] for w in search["workspaces"]] == [other_org]
    desc = (await users_client.get("/api/workspaces", params={"order": "name desc", "pageSize": 1})).json()
    assert [w["name"] for w in desc["workspaces"]] == ["workspace-4"]


async def test_another_users_workspace_is_not_found(users_client: httpx.AsyncClient) -> None:
    ws = await make_workspace(users_client)
    url = f"/api/workspaces/{ws['id']}"
    for method in ("GET", "PUT", "DELETE"):
        response = await users_client.request(method, url, headers=BOB, json={"name": "x"} if method == "PUT" else None)
        assert response.status_code == 404 and response.json()["code"] == "meshery-server-1700"
    assert (await users_client.get("/api/workspaces", headers=BOB)).json()["total_count"] == 0
    env = (await users_client.post("/api/environments", json={"name": "e"}, headers=BOB)).json()
    # bob cannot assign to alice's workspace, and alice cannot assign bob's environment
    assert (await users_client.post(f"{url}/environments/{env['id']}", headers=BOB)).status_code == 404
    refused = await users_client.post(f"{url}/environments/{env['id']}")
    assert refused.status_code == 404 and refused.json()["code"] == "meshery-server-1701"
    assert (await users_client.get(url)).json()["name"] == "ws"


async def test_environment_assignments(users_client: httpx.AsyncClient) -> None:
    ws = await make_workspace(users_client)
    url = f"/api/workspaces/{ws['id']}/environments"
    envs = [(await users_client.post("/api/environments", json={"name": f"env-{i}"})).json() for i in range(3)]
    for env in envs[:2]:
        added = await users_client.post(f"{url}/{env['id']}")
        assert added.status_code == 201
        assert (added.json()["workspace_id"], added.json()["environment_id"]) == (ws["id"], env["id"])
    again = await users_client.post(f"{url}/{envs[0]['id']}")  # idempotent
    assert again.status_code == 201
    listed = (await users_client.get(url, params={"order": "name asc"})).json()
    assert (listed["total_count"], [e["name"] for e in listed["environments"]]) == (2, ["env-0", "env-1"])
    removed = await users_client.delete(f"{url}/{envs[0]['id']}")
    assert removed.status_code == 200 and removed.json()["environment_id"] == envs[0]["id"]
    not_assigned = await users_client.delete(f"{url}/{envs[2]['id']}")
    assert not_assigned.status_code == 404 and not_assigned.json()["code"] == "meshery-server-1704"
    unknown = await users_client.post(f"{url}/{MISSING}")
    assert unknown.status_code == 404 and unknown.json()["code"] == "meshery-server-1701"
    # deleting the environment removes it from the workspace
    assert (await users_client.delete(f"/api/environments/{envs[1]['id']}")).status_code == 200
    assert (await users_client.get(url)).json()["total_count"] == 0


async def test_design_assignments_need_existing_designs(users_client: httpx.AsyncClient, app: Starlette) -> None:
    services = app.state.meshery.services
    user = User(user_id="alice")
    row = await designs.save(services, user, designs.Draft(design={"name": "my-design", "components": []}))
    ws = await make_workspace(users_client)
    url = f"/api/workspaces/{ws['id']}/designs"
    added = await users_client.post(f"{url}/{row.id}")
    assert added.status_code == 201 and added.json()["design_id"] == row.id
    missing = await users_client.post(f"{url}/{MISSING}")
    assert missing.status_code == 404 and missing.json()["code"] == "meshery-server-1703"
    listed = (await users_client.get(url)).json()
    assert [(d["id"], d["name"]) for d in listed["designs"]] == [(row.id, "my-design")]
    assert (await users_client.delete(f"{url}/{row.id}")).status_code == 200
    assert (await users_client.get(url)).json()["total_count"] == 0


@pytest.mark.parametrize("kind", ["views", "teams"])
async def test_view_and_team_ids_are_stored_as_given(users_client: httpx.AsyncClient, kind: str) -> None:
    ws = await make_workspace(users_client)
    url = f"/api/workspaces/{ws['id']}/{kind}"
    ids = [str(uuid.uuid4()) for _ in range(3)]
    for member in ids:
        added = await users_client.post(f"{url}/{member.upper()}")
        assert added.status_code == 201 and added.json()[f"{kind[:-1]}_id"] == member
    page = (await users_client.get(url, params={"pagesize": 2})).json()
    assert (page["total_count"], len(page[kind])) == (3, 2)
    assert (await users_client.delete(f"{url}/{ids[0]}")).status_code == 200
    assert (await users_client.delete(f"{url}/{ids[0]}")).status_code == 404
    assert (await users_client.post(f"{url}/not-a-uuid")).status_code == 400


async def test_deleting_a_workspace_removes_its_assignments(users_client: httpx.AsyncClient) -> None:
    ws = await make_workspace(users_client)
    env = (await users_client.post("/api/environments", json={"name": "kept"})).json()
    team = str(uuid.uuid4())
    await users_client.post(f"/api/workspaces/{ws['id']}/environments/{env['id']}")
    await users_client.post(f"/api/workspaces/{ws['id']}/teams/{team}")
    assert (await users_client.delete(f"/api/workspaces/{ws['id']}")).status_code == 200
    assert (await users_client.get(f"/api/environments/{env['id']}")).status_code == 200
    # a new workspace with the same members starts empty: nothing was left behind
    again = await make_workspace(users_client)
    assert (await users_client.get(f"/api/workspaces/{again['id']}/teams")).json()["total_count"] == 0
    assert (await users_client.get(f"/api/workspaces/{ws['id']}/teams")).status_code == 404


async def test_bad_ids_and_bodies_are_catalogued_4xx(users_client: httpx.AsyncClient) -> None:
    for response in (
        await users_client.get("/api/workspaces/nope"),
        await users_client.post("/api/workspaces", json={"description": "no name"}),
        await users_client.post("/api/workspaces", json={"name": ""}),
        await users_client.post("/api/workspaces", json={"name": "x", "organization_id": "bad"}),
        await users_client.get("/api/workspaces", params={"orgID": "bad"}),
        await users_client.get("/api/workspaces", params={"pagesize": -1}),
        await users_client.post("/api/workspaces", content=b"{", headers={"Content-Type": "application/json"}),
    ):
        assert response.status_code == 400, response.text
        assert response.json()["code"].startswith("meshery-server-")
    assert (await users_client.put(f"/api/workspaces/{MISSING}", json={})).status_code == 404


async def test_workspace_events(users_client: httpx.AsyncClient) -> None:
    ws = await make_workspace(users_client, "evented")
    await users_client.delete(f"/api/workspaces/{ws['id']}")
    params = {"category": '["workspace"]', "actedUpon": json.dumps([ws["id"]])}
    events = (await users_client.get("/api/system/events", params=params)).json()
    actions = sorted(e["action"] for e in events["events"])
    assert actions == ["create", "delete"]
