"""The local provider "None" (the default): no login, one fixed user, upstream capabilities."""

from __future__ import annotations

import httpx

from generated import errors
from tests.fixtures.remote_provider import RemoteProviderProcess
from tests.providers.conftest import RemoteClient

LOCAL_FEATURES = {"persist-meshery-patterns", "persist-meshery-applications", "persist-meshery-filters",
                  "persist-credentials"}


async def test_local_provider_needs_no_login(client: httpx.AsyncClient) -> None:
    for path in ("/api/user", "/api/identity/users/profile", "/api/user/profile/meshery",
                 "/api/identity/users/profile/meshery"):
        response = await client.get(path)
        assert response.status_code == 200, path
        assert response.json()["user_id"] == "meshery" and response.json()["provider"] == "None"
    missing = await client.get("/api/user/profile/someone")
    assert missing.status_code == 404 and missing.json()["code"] == errors.ErrUserNotFound.code
    assert (await client.get("/api/token")).json() == {"meshery-provider": "None", "token": ""}
    caps = (await client.get("/api/provider/capabilities")).json()
    assert caps["providerType"] == "local" and {c["feature"] for c in caps["capabilities"]} == LOCAL_FEATURES
    assert list((await client.get("/api/providers")).json()) == ["None"]
    assert (await client.get("/user/login")).headers["location"] == "/"
    assert (await client.get("/provider")).status_code == 200
    index = await client.get("/")
    assert index.status_code == 200 and "Meshery" in index.text
    assert (await client.get("/user/logout")).headers["location"] == "/provider"
    assert (await client.get("/auth/login", params={"ref": "Lw"})).headers["location"] == "/user/login?ref=Lw"
    assert (await client.get("/error")).status_code == 200


async def test_remote_user_by_id(remote_client: RemoteClient, remote_provider: RemoteProviderProcess) -> None:
    token = remote_provider.issue("judy")
    cookie = {"Cookie": f"meshery-provider=Reference; token={token}"}
    async with remote_client() as http:
        found = await http.get("/api/user/profile/judy", headers=cookie)
        assert found.status_code == 200 and found.json()["email"] == "judy@example.invalid"
        missing = await http.get("/api/identity/users/profile/nobody-at-all", headers=cookie)
        assert missing.status_code == 404
