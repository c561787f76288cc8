"""Identity routes: the local provider's organization, users and keys; a remote provider's forwarded."""

from __future__ import annotations

import re

import httpx

from generated import errors
from meshery import permissions
from meshery.environments import LOCAL_ORG_ID
from meshery.providers.local import LOCAL_USER_UUID

OTHER = "0dd47d1a-d1c9-47dc-897c-40bf4a71d96b"
# (key id, subject) pairs the UI checks: CAN(action, subject) holds when a key has the id and its
# function equals the subject in lodash's lowerCase. From the 2024 UI and the current UI.
UI_CHECKS = {
    ("b35c9ce0-e787-4de6-8560-631007b0b947", "View Connections"),
    ("e3656bbc-fba2-483d-9996-34f8614cd21b", "View Environment"),
    ("52cbe0b8-9aa7-4605-8eed-aa37e595adbb", "Assign Connections To Environment"),
    ("bc9379e8-dc18-4655-b53c-c641271c4ba3", "View Workspace"),
    ("64a1bad5-30f1-431a-aea0-8073d14a0262", "Assign designs to workspaces"),
    ("fdc038e3-1fdf-403a-af8a-53c0de8d7820", "View Settings"),
    ("cc069117-08cc-44e3-9c61-ae0eeca0bcf1", "View Registry"),
    ("fce15b20-78ac-42af-b79c-b8f19bdb0802", "Add cluster"),
    ("c1330df4-1bbe-4d5d-8828-f4bd9ee989e5", "View Extensions"),
    ("96759f76-4add-45f8-b4ef-d4ace5ab1bc4", "View Credentials"),
    ("84fc402c-f33e-4a21-a0e3-e14f9e20b125", "Reset database"),
    ("b2861578-c573-45fe-a95e-0356d56e1d1b", "Add performace profile"),
    ("b2861578-c573-45fe-a95e-0356d56e1d1b", "Add performance profile"),
    ("cdec6212-bbbf-4cab-b10d-76d12bee7e56", "View Meshery User Preferences"),
    ("eb1d8db3-e110-41b9-9f5f-cd271f7fc4a9", "View Meshery User Preferences"),
    ("fdc485dc-f68b-405c-9e54-7b9a7254c282", "View service mesh"),
    ("fdc485dc-f68b-405c-9e54-7b9a7254c282", "View cloud native infrastructure"),
    ("255fd148-e3fd-4408-a48c-0d157a57d4d9", "Manage service mesh life cycle"),
    ("255fd148-e3fd-4408-a48c-0d157a57d4d9", "Manage cloud native infrastructure life cycle"),
}


def lower_case(text: str) -> str:
    """lodash's ``lowerCase`` for the words of key functions: words lower-cased, joined by one space."""
    return " ".join(w.lower() for w in re.findall(r"[A-Za-z0-9]+", text))


async def test_local_organization_is_the_one_environments_use(client: httpx.AsyncClient) -> None:
    orgs = await client.get("/api/identity/orgs", params={"page": 0, "pageSize": 10})
    assert orgs.status_code == 200
    body = orgs.json()
    assert (body["total_count"], body["totalCount"], body["page_size"], body["pageSize"]) == (1, 1, 10, 10)
    org = body["organizations"][0]
    assert org["id"] == LOCAL_ORG_ID and org["owner"] == LOCAL_USER_UUID
    assert org["createdAt"] == org["created_at"] and org["metadata"]["preferences"]["theme"]["logo"]
    env = (await client.post("/api/environments", json={"name": "e"})).json()
    assert env["organization_id"] == org["id"]
    listed = (await client.get("/api/environments", params={"orgID": org["id"]})).json()
    assert env["id"] in [e["id"] for e in listed["environments"]]
    assert (await client.delete(f"/api/environments/{env['id']}")).status_code == 200
    one = (await client.get(f"/api/identity/orgs/{LOCAL_ORG_ID.upper()}")).json()
    assert [o["id"] for o in one["organizations"]] == [LOCAL_ORG_ID]
    assert (await client.get("/api/identity/orgs", params={"search": "nothing-like-it"})).json()["organizations"] == []
    assert (await client.get("/api/identity/orgs", params={"all": "true"})).json()["total_count"] == 1
    prefs = (await client.get(f"/api/identity/orgs/{LOCAL_ORG_ID}/preferences")).json()
    assert set(prefs["preferences"]) >= {"theme", "dashboard"}


async def test_local_keys_are_the_seed_rows_granted_locally(client: httpx.AsyncClient) -> None:
    answer = await client.get(f"/api/identity/orgs/{LOCAL_ORG_ID}/users/keys", params={"page": 0, "pagesize": 10})
    assert answer.status_code == 200
    body = answer.json()
    ids = {k["id"] for k in body["keys"]}
    granted = permissions.local_keys()
    assert ids == {row.id for row in granted} and body["total_count"] == len(granted) == body["totalCount"]
    rules = {(k["id"], lower_case(k["function"])) for k in body["keys"]}
    assert {(action, lower_case(subject)) for action, subject in UI_CHECKS} <= rules
    # rows the local provider does not grant (teams, organizations, catalog requests) are left out
    assert "41a9eb36-b99b-4715-8140-780f97d3c6a0" not in ids
    key = body["keys"][0]
    assert key["owner"] == LOCAL_USER_UUID and key["function"] and key["createdAt"] == key["created_at"]
    # the local provider ignores the organization, as upstream's does
    other = (await client.get(f"/api/identity/orgs/{OTHER}/users/keys")).json()
    assert {k["id"] for k in other["keys"]} == ids


async def test_local_users_and_profile(client: httpx.AsyncClient) -> None:
    for path in ("/api/users", "/api/identity/users", f"/api/identity/orgs/{LOCAL_ORG_ID}/users"):
        page = await client.get(path, params={"page": 0, "pageSize": 25, "filter": "x"})
        assert page.status_code == 200, path
        users = page.json()["data"]
        assert [u["id"] for u in users] == [LOCAL_USER_UUID] and users[0]["userId"] == "meshery"
    assert (await client.get("/api/users", params={"search": "zz-nobody"})).json()["data"] == []
    me = (await client.get("/api/identity/users/profile")).json()
    assert me["id"] == LOCAL_USER_UUID and me["user_id"] == me["userId"] == "meshery"
    assert me["status"] == "active" and me["firstName"] == me["first_name"] == "Meshery"
    for field in ("createdAt", "updatedAt", "lastLoginTime", "created_at", "last_login_time"):
        assert me[field].endswith("Z"), field
    assert me["deletedAt"] is None and me["deleted_at"] is None
    by_uuid = await client.get(f"/api/identity/users/profile/{LOCAL_USER_UUID}")
    assert by_uuid.status_code == 200 and by_uuid.json()["user_id"] == "meshery"


async def test_local_teams_and_changes(client: httpx.AsyncClient) -> None:
    teams = (await client.get(f"/api/identity/orgs/{LOCAL_ORG_ID}/teams", params={"pagesize": 5})).json()
    assert (teams["teams"], teams["total_count"], teams["pageSize"]) == ([], 0, 5)
    missing_team = [
        f"/api/identity/orgs/{LOCAL_ORG_ID}/teams/{OTHER}",
        f"/api/identity/orgs/{LOCAL_ORG_ID}/teams/{OTHER}/users",
        f"/api/identity/teams/{OTHER}/users",
    ]
    for path in missing_team:
        answer = await client.get(path)
        assert (answer.status_code, answer.json()["code"]) == (404, errors.ErrTeamNotFound.code), path
    missing_org = [
        f"/api/identity/orgs/{OTHER}",
        f"/api/identity/orgs/{OTHER}/teams",
        f"/api/identity/orgs/{OTHER}/users",
        f"/api/identity/orgs/{OTHER}/preferences",
    ]
    for path in missing_org:
        answer = await client.get(path)
        assert (answer.status_code, answer.json()["code"]) == (404, errors.ErrOrganizationNotFound.code), path
    by_domain = await client.get("/api/identity/orgs/by-domain", params={"domain": "example.com"})
    assert by_domain.status_code == 404
    team = f"/api/identity/orgs/{LOCAL_ORG_ID}/teams/{OTHER}"
    changes = [
        ("POST", "/api/identity/orgs", {"name": "o"}),
        ("PUT", f"/api/identity/orgs/{LOCAL_ORG_ID}", {"name": "o"}),
        ("DELETE", f"/api/identity/orgs/{LOCAL_ORG_ID}", None),
        ("POST", f"/api/identity/orgs/{LOCAL_ORG_ID}/teams", {"name": "t"}),
        ("POST", team, {"action": "add"}),
        ("PUT", team, {"name": "t"}),
        ("DELETE", team, None),
        ("POST", f"{team}/remove", None),
        ("POST", f"{team}/users/meshery", None),
        ("DELETE", f"{team}/users/meshery", None),
        ("POST", f"/api/identity/orgs/{LOCAL_ORG_ID}/users/meshery", None),
        ("DELETE", f"/api/identity/orgs/{LOCAL_ORG_ID}/users/meshery", None),
    ]
    for method, path, body in changes:
        answer = await client.request(method, path, json=body)
        assert (answer.status_code, answer.json()["code"]) == (403, errors.ErrIdentityLocalProvider.code), path
    # another organization is not found before the change is refused; so is text that is no id
    for path in (f"/api/identity/orgs/{OTHER}/teams/{OTHER}", "/api/identity/orgs/by-domain"):
        answer = await client.put(path, json={"name": "t"})
        assert (answer.status_code, answer.json()["code"]) == (404, errors.ErrOrganizationNotFound.code), path
    bad = await client.get("/api/identity/orgs/not-a-uuid/teams")
    assert bad.status_code == 404


async def test_lists_are_scoped_by_either_spelling_of_the_organization(client: httpx.AsyncClient) -> None:
    local = (await client.post("/api/environments", json={"name": "here"})).json()
    away = (await client.post("/api/environments", json={"name": "away", "organizationId": OTHER})).json()
    space = (await client.post("/api/workspaces", json={"name": "ws", "description": "d"})).json()
    assert space["organizationId"] == LOCAL_ORG_ID
    for spelling in ("orgID", "orgId"):
        here = (await client.get("/api/environments", params={spelling: LOCAL_ORG_ID, "pagesize": 100})).json()
        names = {e["name"] for e in here["environments"]}
        assert "here" in names and "away" not in names, spelling
        there = (await client.get("/api/environments", params={spelling: OTHER})).json()
        assert [e["id"] for e in there["environments"]] == [away["id"]], spelling
        spaces = (await client.get("/api/workspaces", params={spelling: LOCAL_ORG_ID, "pagesize": 100})).json()
        assert space["id"] in [w["id"] for w in spaces["workspaces"]], spelling
        assert (await client.get("/api/workspaces", params={spelling: OTHER})).json()["workspaces"] == []
    bad = await client.get("/api/environments", params={"orgId": "not-a-uuid"})
    assert bad.status_code == 400
    for env in (local, away):
        await client.delete(f"/api/environments/{env['id']}")
    await client.delete(f"/api/workspaces/{space['id']}")
