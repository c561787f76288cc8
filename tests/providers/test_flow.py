"""The provider chooser and login flow, end to end through redirects and cookies."""

from __future__ import annotations

import base64
import json
import logging
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from generated import errors
from tests.fixtures.remote_provider import RemoteProviderProcess
from tests.fixtures.server import ServerProcess
from tests.providers.conftest import RemoteClient


def _b64(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def test_login_flow_end_to_end(
    server_factory: type[ServerProcess], remote_provider: RemoteProviderProcess
) -> None:
    """A browser-like client: chooser -> provider login -> token callback -> / -> /api/user."""
    server = server_factory(env={"PROVIDER_BASE_URLS": remote_provider.url, "DEBUG": "true"})  # access log on
    server.start()
    with httpx.Client(base_url=server.url, follow_redirects=True, timeout=10) as browser:
        chooser = browser.get("/provider")
        assert chooser.status_code == 200 and "/api/provider?provider=Reference" in chooser.text
        assert browser.get("/api/user").status_code == 401  # nothing chosen yet
        login_page = browser.get("/api/provider", params={"provider": "Reference"})
        # Followed: /api/provider -> /user/login -> <provider>/login (the form).
        assert login_page.url.host == "127.0.0.1" and login_page.url.port == remote_provider.port
        assert login_page.url.path == "/login" and "<form" in login_page.text
        query = parse_qs(login_page.url.query.decode())
        assert base64.urlsafe_b64decode(query["source"][0] + "==").decode() == f"{server.url}/api/user/token"
        # Submitting the form goes back to the server's callback, which sets the cookie and lands on /.
        landing = browser.post(
            f"{remote_provider.url}/login",
            data={"user": "alice", "source": query["source"][0], "ref": query["ref"][0]},
        )
        assert landing.url == f"{server.url}/" and "Alice" in landing.text
        assert [r.status_code for r in landing.history] == [302, 302]
        user = browser.get("/api/user")
        assert user.status_code == 200 and user.json()["user_id"] == "alice"
        token = browser.get("/api/token").json()
        assert token["meshery-provider"] == "Reference" and token["token"]
        assert browser.get("/api/provider/capabilities").json()["providerName"] == "Reference"
        # Logging out goes back to the chooser; the landing page then redirects to login.
        assert browser.get("/user/logout").url.path == "/provider"
        again = browser.get("/", follow_redirects=False)
        assert again.status_code == 302 and again.headers["location"].startswith("/auth/login?ref=")
    logs = server.logs()
    assert token["token"] not in logs and "/api/user/token?token=[redacted]" in logs


async def test_token_callback_rejects_forged_tokens_and_foreign_redirects(
    remote_client: RemoteClient, remote_provider: RemoteProviderProcess
) -> None:
    token = remote_provider.issue("heidi")
    async with remote_client() as http:
        forged = await http.get("/api/user/token", params={"token": token[:-4] + "AAAA"})
        assert forged.status_code == 401 and forged.json()["code"] == errors.ErrUnauthenticated.code
        ok = await http.get("/api/user/token", params={"token": token, "ref": _b64("/api/user")})
        assert ok.status_code == 302 and ok.headers["location"] == "/api/user"
        cookies = ok.headers.get_list("set-cookie")
        assert any(c.startswith("token=") and "httponly" in c.lower() for c in cookies)
        assert any(c.startswith("meshery-provider=Reference") for c in cookies)
        offsite = await http.get("/api/user/token", params={"token": token, "ref": _b64("//evil.example/x")})
        assert offsite.headers["location"] == "/"
        redirect = await http.get("/auth/redirect", params={"token": token})
        assert redirect.status_code == 302 and redirect.headers["location"] == "/"


async def test_choosing_a_provider(remote_client: RemoteClient) -> None:
    async with remote_client() as http:
        local = await http.get("/api/provider", params={"provider": "None"})
        assert local.status_code == 302 and local.headers["location"] == "/"
        assert "meshery-provider=None" in local.headers["set-cookie"]
        remote = await http.get("/api/provider", params={"provider": "Reference", "ref": _b64("/x")})
        assert remote.headers["location"] == f"/user/login?provider=Reference&ref={_b64('/x')}"
        unknown = await http.get("/api/provider", params={"provider": "Nobody"})
        assert unknown.status_code == 404 and unknown.json()["code"] == errors.ErrUnknownProvider.code
        # With the local provider chosen by cookie, no login is needed.
        user = await http.get("/api/user", headers={"Cookie": "meshery-provider=None"})
        assert user.status_code == 200 and user.json()["user_id"] == "meshery"
        login = await http.get("/user/login", headers={"Cookie": "meshery-provider=Reference"})
        target = urlsplit(login.headers["location"])
        assert login.status_code == 302 and target.path == "/login"
        assert set(parse_qs(target.query)) == {"source", "provider_version", "meshery_version", "ref"}
        assert "_ref=" in login.headers["set-cookie"] and ":" not in login.headers["set-cookie"].split("=")[0]
        http.cookies.clear()
        assert (await http.get("/user/login")).headers["location"] == "/provider"


async def test_enforced_provider(remote_client: RemoteClient) -> None:
    async with remote_client(provider="Reference") as http:
        chooser = await http.get("/provider")
        assert chooser.status_code == 302 and chooser.headers["location"] == "/api/provider?provider=Reference"
        other = await http.get("/api/provider", params={"provider": "None"})
        assert other.status_code == 404
        # The cookie cannot switch to the local provider when one is enforced.
        user = await http.get("/api/user", headers={"Cookie": "meshery-provider=None"})
        assert user.status_code == 401


async def test_playground_offers_only_remote_providers(remote_client: RemoteClient) -> None:
    async with remote_client(playground=True) as http:
        providers = (await http.get("/api/providers")).json()
        assert list(providers) == ["Reference"]
        assert (await http.get("/provider")).headers["location"] == "/api/provider?provider=Reference"


async def test_providers_list_and_stream(remote_client: RemoteClient, remote_provider: RemoteProviderProcess) -> None:
    async with remote_client() as http:
        providers = (await http.get("/api/providers")).json()
        assert set(providers) == {"None", "Reference"}
        assert providers["Reference"]["providerType"] == "remote"
        assert providers["Reference"]["providerUrl"] == remote_provider.url
        assert {c["feature"] for c in providers["Reference"]["capabilities"]} == {
            "sync-prefs", "users-profile", "organizations", "users-keys", "users-identity", "persist-results"}
        assert providers["None"]["providerType"] == "local"
        stream = await http.get("/api/providers/stream")
        assert stream.headers["content-type"].startswith("text/event-stream")
        event = json.loads(stream.text.removeprefix("data: ").strip())
        assert event["Reference"]["available"] is True and event["None"]["available"] is True


async def test_capabilities_from_a_file(remote_client: RemoteClient, tmp_path: Path) -> None:
    caps = tmp_path / "caps.json"
    caps.write_text(json.dumps({"providerName": "FromFile", "capabilities": [{"feature": "users-profile",
                                                                               "endpoint": "/user/profile"}]}))
    async with remote_client(provider_capabilities_filepath=caps) as http:
        providers = (await http.get("/api/providers")).json()
    assert "FromFile" in providers and providers["FromFile"]["providerType"] == "remote"


async def test_unreachable_provider_is_listed_by_host(
    remote_client: RemoteClient, caplog: pytest.LogCaptureFixture
) -> None:
    from tests.fixtures.server import free_port

    dead = f"http://127.0.0.1:{free_port()}"
    with caplog.at_level(logging.WARNING):
        async with remote_client(provider_base_urls=(dead,)) as http:
            providers = (await http.get("/api/providers")).json()
            stream = await http.get("/api/providers/stream")
    host = dead.removeprefix("http://")
    assert providers[host]["providerType"] == "remote"
    assert json.loads(stream.text.removeprefix("data: "))[host]["available"] is False
    assert errors.ErrProviderUnavailable.code in caplog.text
