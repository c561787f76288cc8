"""Extension routes: forwarding to the reference remote provider with the user's token, package
files of the provider, and the catalogued 4xx answers under the local provider."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from generated import errors
from tests.fixtures.remote_provider import RemoteProviderProcess
from tests.providers.conftest import RemoteClient, remote_client
from tools.remote_provider.app import PACKAGE_FILES

__all__ = ["remote_client"]

ENFORCED = {"provider": "Reference"}


def _cookie(token: str) -> dict[str, str]:
    return {"Cookie": f"meshery-provider=Reference; token={token}"}


def assert_error(response: httpx.Response, status: int, error: type[errors.MesheryError]) -> None:
    assert response.status_code == status, response.text
    assert response.json()["code"] == error.code, response.json()


async def test_forwarded_to_the_remote_provider_with_the_users_token(
    remote_client: RemoteClient, remote_provider: RemoteProviderProcess
) -> None:
    alice, bob = _cookie(remote_provider.issue("alice")), _cookie(remote_provider.issue("bob"))
    async with remote_client(**ENFORCED) as http:
        made = await http.post("/api/extensions/api/content/views", json={"name": "mesh view", "filters": {"a": 1}},
                               headers=alice)
        assert made.status_code == 201, made.text
        view = made.json()
        assert view["user_id"] == "alice" and view["filters"] == {"a": 1}
        listed = await http.get("/api/extensions/api/content/views", params={"search": "mesh", "page": "2"},
                                headers=alice)
        assert listed.status_code == 200
        assert listed.json() == {"views": [view], "total_count": 1, "page": 2}
        one = await http.get(f"/api/extensions/api/content/views/{view['id']}", headers=alice)
        assert one.json() == view
        # The provider answers each user with their own data: the token forwarded is the caller's.
        assert (await http.get("/api/extensions/api/content/views", headers=bob)).json()["total_count"] == 0
        other = await http.get(f"/api/extensions/api/content/views/{view['id']}", headers=bob)
        assert_error(other, 404, errors.ErrExtensionProxyStatus)
        bad = await http.post("/api/extensions/api/content/views", json={"filters": {}}, headers=alice)
        assert_error(bad, 400, errors.ErrExtensionProxyStatus)
        unknown = await http.get("/api/extensions/api/nothing/here", headers=alice)
        assert_error(unknown, 404, errors.ErrExtensionProxyStatus)
        dotted = await http.get("/api/extensions/api/content/%2E%2E/%2E%2E/keys", headers=alice)
        assert_error(dotted, 400, errors.ErrRequestValidation)
        deleted = await http.delete(f"/api/extensions/api/content/views/{view['id']}", headers=alice)
        assert deleted.status_code == 200 and deleted.json()["id"] == view["id"]
        assert (await http.get("/api/extensions/api/content/views", headers=alice)).json()["total_count"] == 0
        # The provider's refusal of a stale token is refreshed once, as for every provider call.
        remote_provider.reject_next(1)
        assert (await http.get("/api/extensions/api/content/views", headers=alice)).status_code == 200
        http.cookies.clear()  # the refreshed token came back as a cookie
        assert (await http.get("/api/extensions/api/content/views")).status_code == 401


async def test_provider_package_files(
    remote_client: RemoteClient, remote_provider: RemoteProviderProcess, tmp_path: Path
) -> None:
    token = _cookie(remote_provider.issue("alice"))
    async with remote_client(**ENFORCED) as http:
        # The first request downloads the provider's package (its packageUrl) and unpacks it.
        served = await http.get("/api/provider/extension/provider/navigator/meshmap/index.js", headers=token)
        assert served.status_code == 200, served.text
        assert served.text == PACKAGE_FILES["provider/navigator/meshmap/index.js"]
        assert served.headers["content-type"].startswith(("text/javascript", "application/javascript"))
        css = await http.get("/api/provider/extension/provider/navigator/meshmap/style.css", headers=token)
        assert css.headers["content-type"].startswith("text/css")
        app = http._transport.app  # type: ignore[attr-defined]
        folder: Path = app.state.meshery.services.settings.user_data_folder
        package = folder.parent / "provider" / "Reference" / "v0.1.0"
        assert (package / "provider" / "navigator" / "meshmap" / "index.js").is_file()
        missing = await http.get("/api/provider/extension/provider/navigator/none.js", headers=token)
        assert_error(missing, 404, errors.ErrExtensionPackageMissing)
        (folder.parent / "secret.txt").write_text("TOP-SECRET-CONTENT")
        escaped = await http.get("/api/provider/extension/..%2F..%2F..%2Fsecret.txt", headers=token)
        assert escaped.status_code in (400, 404) and "TOP-SECRET" not in escaped.text


async def test_package_not_downloaded_when_skipped(
    remote_client: RemoteClient, remote_provider: RemoteProviderProcess
) -> None:
    token = _cookie(remote_provider.issue("alice"))
    async with remote_client(skip_download_extensions=True, **ENFORCED) as http:
        skipped = await http.get("/api/provider/extension/provider/navigator/meshmap/index.js", headers=token)
        assert_error(skipped, 404, errors.ErrExtensionPackageMissing)


async def test_local_provider_has_no_extensions(client: httpx.AsyncClient) -> None:
    for method in ("GET", "POST", "PUT", "DELETE"):
        response = await client.request(method, "/api/extensions/api/identity/users", params={"page": "0"})
        assert_error(response, 400, errors.ErrExtensionsNeedRemoteProvider)
        assert "remote provider" in response.json()["error"]
    assert_error(await client.get("/api/provider/extension/provider/navigator/index.js"), 400,
                 errors.ErrExtensionsNeedRemoteProvider)
    install = await client.post("/api/provider/extension/install", json={"extType": "navigator", "packageUrl": "x"})
    assert_error(install, 422, errors.ErrExtensionInstallUnsupported)
    remove = await client.post("/api/provider/extension/remove", json={"extType": "navigator", "title": "x"})
    assert_error(remove, 422, errors.ErrExtensionInstallUnsupported)
    assert_error(await client.post("/api/provider/extension/install", json={}), 400, errors.ErrRequestValidation)


@pytest.mark.parametrize("query", ["orgId=1&workspaceId=2", ""])
async def test_query_string_is_forwarded_as_sent(
    remote_client: RemoteClient, remote_provider: RemoteProviderProcess, query: str
) -> None:
    token = _cookie(remote_provider.issue("grace"))
    async with remote_client(**ENFORCED) as http:
        response = await http.get(f"/api/extensions/api/content/views?{query}&search=zz", headers=token)
        assert response.status_code == 200 and response.json()["views"] == []
