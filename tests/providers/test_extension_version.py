"""/api/extension/version under a remote provider: the package version of its capabilities."""

from __future__ import annotations

from tests.fixtures.remote_provider import RemoteProviderProcess
from tests.providers.conftest import RemoteClient
from tests.providers.test_sessions import ENFORCED, _cookie


async def test_remote_provider_extension_version(
    remote_client: RemoteClient, remote_provider: RemoteProviderProcess
) -> None:
    token = remote_provider.issue("alice")
    async with remote_client(**ENFORCED) as http:
        response = await http.get("/api/extension/version", headers=_cookie(token))
        anonymous = await http.get("/api/extension/version")
    assert response.status_code == 200, response.text
    assert response.json() == {"version": "v0.1.0"}  # the reference provider's packageVersion
    assert anonymous.status_code == 401
