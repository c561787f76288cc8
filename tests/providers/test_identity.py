"""Identity routes under a remote provider: forwarded with the user's token, answered as the provider answers."""

from __future__ import annotations

from generated import errors
from meshery.environments import LOCAL_ORG_ID
from tests.fixtures.remote_provider import RemoteProviderProcess
from tests.providers.conftest import RemoteClient

OTHER = "0dd47d1a-d1c9-47dc-897c-40bf4a71d96b"


async def test_remote_identity_is_forwarded(
    remote_client: RemoteClient, remote_provider: RemoteProviderProcess
) -> None:
    token = remote_provider.issue("olga")
    cookie = {"Cookie": f"meshery-provider=Reference; token={token}"}
    async with remote_client() as http:
        orgs = await http.get("/api/identity/orgs", headers=cookie, params={"page": 0, "pagesize": 10})
        assert orgs.status_code == 200, orgs.text
        org = orgs.json()["organizations"][0]
        assert org["name"] == "olga's organization" and org["id"] != LOCAL_ORG_ID
        keys = await http.get(f"/api/identity/orgs/{org['id']}/users/keys", headers=cookie)
        assert keys.status_code == 200 and [k["function"] for k in keys.json()["keys"]] == ["View Settings"]
        one = await http.get(f"/api/identity/orgs/{org['id']}", headers=cookie)
        assert one.json()["organizations"][0]["id"] == org["id"]
        users = await http.get("/api/users", headers=cookie)
        assert users.status_code == 200 and "olga" in [u["user_id"] for u in users.json()["data"]]
        unknown = await http.get(f"/api/identity/orgs/{OTHER}", headers=cookie)
        assert (unknown.status_code, unknown.json()["code"]) == (404, errors.ErrIdentityNotFoundAtProvider.code)
        anonymous = await http.get("/api/identity/orgs", headers={"Cookie": "meshery-provider=Reference"})
        assert anonymous.status_code in (302, 401)


async def test_remote_identity_changes_are_forwarded(
    remote_client: RemoteClient, remote_provider: RemoteProviderProcess
) -> None:
    """Creating and changing organizations, teams and memberships reaches the remote provider."""
    token = remote_provider.issue("petra")
    cookie = {"Cookie": f"meshery-provider=Reference; token={token}"}
    async with remote_client() as http:
        me = (await http.get("/api/identity/users/profile", headers=cookie)).json()
        created = await http.post("/api/identity/orgs", headers=cookie, json={"name": "Petra's second"})
        assert created.status_code == 201, created.text
        org_id = created.json()["organizations"][0]["id"]
        renamed = await http.put(f"/api/identity/orgs/{org_id}", headers=cookie, json={"name": "renamed"})
        assert renamed.status_code == 200 and renamed.json()["organizations"][0]["name"] == "renamed"
        team = await http.post(f"/api/identity/orgs/{org_id}/teams", headers=cookie, json={"name": "ops"})
        assert team.status_code == 201 and team.json()["name"] == "ops"
        team_id = team.json()["id"]
        added = await http.post(f"/api/identity/orgs/{org_id}/teams/{team_id}/users/{me['id']}", headers=cookie)
        assert added.status_code == 201 and added.json()["userId"] == me["id"]
        members = await http.get(f"/api/identity/teams/{team_id}/users", headers=cookie)
        assert [m["userId"] for m in members.json()["usersTeamsMapping"]] == [me["id"]]
        outside = await http.get(f"/api/identity/orgs/{org_id}/teams/{team_id}/users", headers=cookie)
        assert outside.status_code == 200 and outside.json()["data"] == []
        by_domain = await http.get("/api/identity/orgs/by-domain", headers=cookie, params={"domain": "example.invalid"})
        assert by_domain.status_code == 200 and by_domain.json()["name"] == "petra's organization"
        gone = await http.delete(f"/api/identity/orgs/{org_id}", headers=cookie)
        assert gone.status_code == 204
        missing = await http.get(f"/api/identity/orgs/{org_id}/teams/{team_id}", headers=cookie)
        assert (missing.status_code, missing.json()["code"]) == (404, errors.ErrIdentityNotFoundAtProvider.code)
