"""The spec's security is enforced per operation by one middleware.

Every operation of the spec is tried with a provider that accepts no session:
operations declaring providerSession must answer 401 with the catalogued
code; public ones must not. Generated from the spec, so a new route cannot be
forgotten.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import httpx
import pytest
from starlette.applications import Starlette

from generated import errors
from generated.operations import OPERATIONS, OperationInfo
from meshery.context import User
from tests.fixtures.contract import ContractChecker, contract_client


class RejectingProvider:
    name = "Rejecting"

    async def authenticate(self, *, token: str | None) -> User | None:
        return User(user_id="u1", provider=self.name) if token == "good" else None


@pytest.fixture
async def strict_client(app: Starlette, contract: ContractChecker) -> AsyncIterator[httpx.AsyncClient]:
    app.state.meshery.provider = RejectingProvider()
    async with contract_client(app, contract) as http:
        yield http


def _url(info: OperationInfo) -> str:
    return re.sub(r"\{[^}]+\}", "00000000-0000-0000-0000-000000000000", info.path)


ALL_OPERATIONS = sorted(OPERATIONS.values(), key=lambda i: i.operation_id)


@pytest.mark.parametrize("info", ALL_OPERATIONS, ids=lambda i: i.operation_id)
async def test_operation_security_is_enforced(strict_client: httpx.AsyncClient, info: OperationInfo) -> None:
    response = await strict_client.request(info.method, _url(info))
    if info.public:
        assert response.status_code != 401
    elif info.unauthenticated == "redirect":
        assert response.status_code == 302
        assert response.headers["location"] == "/provider"
    else:
        assert response.status_code == 401
        assert response.json()["code"] == errors.ErrUnauthenticated.code


async def test_bearer_and_cookie_sessions_are_accepted(strict_client: httpx.AsyncClient) -> None:
    by_header = await strict_client.get("/api/system/database", headers={"Authorization": "Bearer good"})
    by_cookie = await strict_client.get("/api/system/database", headers={"Cookie": "token=good"})
    wrong = await strict_client.get("/api/system/database", headers={"Cookie": "token=bad"})
    assert (by_header.status_code, by_cookie.status_code, wrong.status_code) == (200, 200, 401)


async def test_graphql_needs_a_session_under_a_strict_provider(strict_client: httpx.AsyncClient) -> None:
    query = {"query": "{ serverVersion { build } }"}
    denied = await strict_client.post("/api/system/graphql/query", json=query)
    assert denied.status_code == 401 and denied.json()["code"] == errors.ErrUnauthenticated.code
    allowed = await strict_client.post("/api/system/graphql/query", json=query, headers={"Cookie": "token=good"})
    assert allowed.status_code == 200
