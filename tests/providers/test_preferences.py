"""User preferences: upstream shape, merge on POST, per user and provider, persisted, synced."""

from __future__ import annotations

import httpx

from meshery import users
from meshery.context import Services
from meshery.providers.local import LOCAL_USER
from tests.fixtures.remote_provider import RemoteProviderProcess
from tests.fixtures.server import ServerProcess
from tests.providers.conftest import RemoteClient

ADAPTER = {"adapter_location": "localhost:10000", "name": "istio", "version": "v1", "git_commit_sha": "abc", "ops": []}


async def test_defaults_then_merge(client: httpx.AsyncClient) -> None:
    first = await client.get("/api/user/prefs")
    assert first.status_code == 200
    prefs = first.json()
    assert prefs["anonymousUsageStats"] is True and prefs["anonymousPerfResults"] is True
    assert prefs["meshAdapters"] == [] and prefs["loadTestPrefs"]["gen"] == "fortio"
    saved = await client.post(
        "/api/user/prefs",
        json={"meshAdapters": [ADAPTER], "grafana": {"grafanaUrl": "http://g:3000"}, "selectedOrganizationID": "o1"},
    )
    assert saved.status_code == 200
    body = saved.json()
    assert body["meshAdapters"] == [ADAPTER]
    # Both spellings, as upstream's MarshalJSON emits them.
    assert body["grafana"]["grafanaURL"] == body["grafana"]["grafanaUrl"] == "http://g:3000"
    assert body["selectedOrganizationId"] == "o1"
    partial = await client.post("/api/user/prefs", json={"anonymousUsageStats": False})
    assert partial.json()["meshAdapters"] == [ADAPTER] and partial.json()["anonymousUsageStats"] is False
    assert (await client.get("/api/user/prefs")).json()["anonymousUsageStats"] is False
    sync = (await client.get("/api/system/sync")).json()
    assert sync["k8sConfig"] == [] and sync["meshAdapters"] == [ADAPTER]


async def test_bad_bodies_are_4xx(client: httpx.AsyncClient) -> None:
    for body in ([1, 2], {"anonymousUsageStats": "yes"}, {"meshAdapters": "x"}):
        response = await client.post("/api/user/prefs", json=body)
        assert response.status_code == 400, body
    raw = await client.post("/api/user/prefs", content=b"{", headers={"content-type": "application/json"})
    assert raw.status_code == 400


async def test_service_api_for_other_areas(client: httpx.AsyncClient, app: object) -> None:
    services: Services = app.state.meshery.services  # type: ignore[attr-defined]
    prefs = await users.store_preferences(
        services, user_id=LOCAL_USER.user_id, provider="None", changes={"meshAdapters": [ADAPTER]}
    )
    assert prefs["meshAdapters"] == [ADAPTER]
    assert (await users.load(services, user_id=LOCAL_USER.user_id, provider="None"))["meshAdapters"] == [ADAPTER]
    assert (await client.get("/api/user/prefs")).json()["meshAdapters"] == [ADAPTER]
    other = await users.load(services, user_id="someone-else", provider="None")
    assert other["meshAdapters"] == []


def test_preferences_survive_a_restart(server_factory: type[ServerProcess]) -> None:
    first = server_factory()
    first.start()
    saved = httpx.post(f"{first.url}/api/user/prefs", json={"meshAdapters": [ADAPTER]}, timeout=10)
    assert saved.status_code == 200
    first.stop()
    second = server_factory()  # same USER_DATA_FOLDER (the test's tmp_path)
    second.start()
    assert httpx.get(f"{second.url}/api/user/prefs", timeout=10).json()["meshAdapters"] == [ADAPTER]


async def test_remote_preferences_are_synced_to_the_provider(
    remote_client: RemoteClient, remote_provider: RemoteProviderProcess
) -> None:
    token = remote_provider.issue("ivan")
    cookie = {"Cookie": f"meshery-provider=Reference; token={token}"}
    before = remote_provider.stats()["sync"]
    async with remote_client() as http:
        saved = await http.post("/api/user/prefs", json={"meshAdapters": [ADAPTER]}, headers=cookie)
        assert saved.status_code == 200
        async with httpx.AsyncClient() as outside:
            at_provider = await outside.get(
                f"{remote_provider.url}/user/preferences", headers={"Authorization": f"bearer {token}"}
            )
        assert at_provider.json()["meshAdapters"] == [ADAPTER]
        # Remote and local users are kept apart.
        assert (await http.get("/api/user/prefs", headers={"Cookie": "meshery-provider=None"})).json()[
            "meshAdapters"
        ] == []
        profile = await http.get("/api/user", headers=cookie)
        assert profile.json()["preferences"]["meshAdapters"] == [ADAPTER]
    assert remote_provider.stats()["sync"] == before + 1
