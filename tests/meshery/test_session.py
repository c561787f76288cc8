"""The spec's security is enforced per operation by one middleware.

Every operation of the spec is tried with a provider that accepts no session:
operations declaring providerSession must answer 401 with the catalogued
code; public ones answer one of the statuses their operation documents, never
401 and never a 5xx. Generated from the spec, so a new route cannot be forgotten.

All operations of one database go to one app, started once for the module in the
module's event loop: a request without a session changes nothing another one reads.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import httpx
import pytest
import pytest_asyncio
from starlette.applications import Starlette

from generated import errors
from generated.operations import OPERATIONS, OperationInfo
from meshery.context import User
from tests.fixtures.app import SharedApp, settle
from tests.fixtures.contract import ContractChecker, contract_client

pytestmark = pytest.mark.asyncio(loop_scope="module")


class RejectingProvider:
    name = "Rejecting"

    async def authenticate(self, *, token: str | None) -> User | None:
        return User(user_id="u1", provider=self.name) if token == "good" else None


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def strict_app(shared_app: SharedApp) -> AsyncIterator[Starlette]:
    app = shared_app.fresh()
    async with app.router.lifespan_context(app):
        await settle(app)
        app.state.meshery.provider = RejectingProvider()
        yield app


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def strict_client(strict_app: Starlette, contract: ContractChecker) -> AsyncIterator[httpx.AsyncClient]:
    async with contract_client(strict_app, contract) as http:
        yield http


def _url(info: OperationInfo) -> str:
    return re.sub(r"\{[^}]+\}", "00000000-0000-0000-0000-000000000000", info.path)


ALL_OPERATIONS = sorted(OPERATIONS.values(), key=lambda i: i.operation_id)


def _documented(contract: ContractChecker, info: OperationInfo) -> set[int]:
    """The statuses the spec lists for the operation (``default`` names none)."""
    responses = contract.paths[info.path][info.method.lower()]["responses"]
    return {int(status) for status in responses if status != "default"}


@pytest.mark.parametrize("info", ALL_OPERATIONS, ids=lambda i: i.operation_id)
async def test_operation_security_is_enforced(
    strict_client: httpx.AsyncClient, contract: ContractChecker, info: OperationInfo
) -> None:
    response = await strict_client.request(info.method, _url(info))
    if info.public:
        assert response.status_code != 401
        assert response.status_code < 500, response.text
        assert response.status_code in _documented(contract, info), response.text
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
