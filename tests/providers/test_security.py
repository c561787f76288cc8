"""Every non-public operation of the spec rejects unauthenticated requests under a remote provider.

Generated from ``generated/operations.py``: a route added to the spec later is
covered without touching this file. Three ways of being unauthenticated are
tried: no token with the provider enforced, a forged token, and no provider
chosen at all (remote providers configured, no cookie, nothing enforced).
"""

from __future__ import annotations

import re

import pytest

from generated import errors
from generated.operations import OPERATIONS, OperationInfo
from tests.fixtures.remote_provider import RemoteProviderProcess
from tests.providers.conftest import RemoteClient

PROTECTED = sorted((i for i in OPERATIONS.values() if not i.public), key=lambda i: i.operation_id)
PUBLIC = sorted((i for i in OPERATIONS.values() if i.public), key=lambda i: i.operation_id)


def _url(info: OperationInfo) -> str:
    return re.sub(r"\{[^}]+\}", "00000000-0000-0000-0000-000000000000", info.path)


def _assert_rejected(info: OperationInfo, status: int, location: str | None, body: dict[str, object] | None) -> None:
    if info.unauthenticated == "redirect":
        assert status == 302, f"{info.operation_id}: {status}"
        assert location in ("/provider",) or (location or "").startswith("/auth/login?ref=")
    else:
        assert status == 401, f"{info.operation_id}: {status}"
        assert body is not None and body["code"] == errors.ErrUnauthenticated.code


def test_the_spec_has_protected_operations() -> None:
    assert len(PROTECTED) >= 10 and any(i.unauthenticated == "redirect" for i in PROTECTED)


@pytest.mark.parametrize("scenario", ["no-token", "forged-cookie", "forged-bearer", "no-provider-chosen"])
async def test_every_protected_operation_rejects_unauthenticated_requests(
    remote_client: RemoteClient, remote_provider: RemoteProviderProcess, scenario: str
) -> None:
    forged = remote_provider.issue("mallory").replace("A", "B", 3)
    headers = {
        "no-token": {"Cookie": "meshery-provider=Reference"},
        "forged-cookie": {"Cookie": f"meshery-provider=Reference; token={forged}"},
        "forged-bearer": {"Authorization": "Bearer eyJhbGciOiJSUzI1NiJ9.e30.c2ln"},
        "no-provider-chosen": {},
    }[scenario]
    enforce = {} if scenario == "no-provider-chosen" else {"provider": "Reference"}
    async with remote_client(**enforce) as http:
        for info in PROTECTED:
            response = await http.request(info.method, _url(info), headers=headers)
            body = response.json() if response.headers.get("content-type", "").startswith("application/json") else None
            _assert_rejected(info, response.status_code, response.headers.get("location"), body)


async def test_public_operations_need_no_session(remote_client: RemoteClient) -> None:
    async with remote_client(provider="Reference") as http:
        for info in PUBLIC:
            response = await http.request(info.method, _url(info))
            assert response.status_code != 401, info.operation_id


async def test_graphql_needs_a_remote_session(
    remote_client: RemoteClient, remote_provider: RemoteProviderProcess
) -> None:
    query = {"query": "{ serverVersion { build } }"}
    async with remote_client(provider="Reference") as http:
        denied = await http.post("/api/system/graphql/query", json=query)
        assert denied.status_code == 401
        token = remote_provider.issue("grace")
        allowed = await http.post("/api/system/graphql/query", json=query, headers={"Cookie": f"token={token}"})
        assert allowed.status_code == 200
