"""Conformance with upstream's published API package ``@meshery/schemas`` (pinned, installed by
``make conformance-deps``): every operation it tags for Meshery Server, outside the areas other
issues own, is served, takes the package's request bodies and its client's query parameters,
and answers what the package's response schemas describe, except the rows of spec/DIFFERENCES.md.

The figures (``python -m tests.conformance``) are the issue's: operations served, bodies,
parameters, answer differences."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette

from meshery.config import Settings
from tests.conformance import checks, differences, package
from tests.conformance.__main__ import BASE_URL, LOCAL, REMOTE_USER
from tests.fixtures.app import SharedApp, app_settings, settle, shared_for
from tests.fixtures.remote_provider import RemoteProviderProcess

pytestmark = pytest.mark.skipif(package.unavailable() is not None, reason=str(package.unavailable()))


@pytest.fixture
async def conformance_app(
    request: pytest.FixtureRequest,
    database_backend: str,
    shared_apps: dict[str, SharedApp],
    tmp_path_factory: pytest.TempPathFactory,
    remote_provider: RemoteProviderProcess,
) -> AsyncIterator[Starlette]:
    """The app with the local provider and the reference remote provider (for identity)."""

    def make(folder: Path, url: str) -> tuple[Settings, None]:
        settings = app_settings(
            user_data_folder=folder / "meshery", database_url=url, provider_base_urls=(remote_provider.url,)
        )
        return settings, None

    shared = shared_for(
        request,
        shared_apps,
        key="conformance",
        backend=database_backend,
        folder=lambda: tmp_path_factory.mktemp(f"conformance-{database_backend}"),
        make=make,
    )
    app = shared.fresh()
    async with app.router.lifespan_context(app):
        await settle(app)
        yield app


@pytest.fixture
async def plain_clients(
    conformance_app: Starlette, remote_provider: RemoteProviderProcess
) -> AsyncIterator[tuple[httpx.AsyncClient, httpx.AsyncClient]]:
    """Clients without the contract check (the package's requests are not all in our spec): the
    local provider's session, and a session of a user of the reference remote provider."""
    transport = httpx.ASGITransport(app=conformance_app)
    # a user of its own per run: the provider outlives the run, and the check changes its memberships
    user = f"{REMOTE_USER}-{uuid.uuid4().hex[:8]}"
    remote = {"meshery-provider": remote_provider.name, "token": remote_provider.issue(user)}
    async with (
        httpx.AsyncClient(transport=transport, base_url=BASE_URL, cookies=LOCAL) as local,
        httpx.AsyncClient(transport=transport, base_url=BASE_URL, cookies=remote) as through_remote,
    ):
        yield local, through_remote


def test_package_operations_and_client_calls() -> None:
    pkg = package.load()
    assert pkg.version == package.VERSION
    assert len(pkg.operations) == 81
    assert len(pkg.client) == 81
    assert {c.key for c in pkg.client} <= {op.key for op in pkg.operations}
    # what the client sends on its GET calls outside identity: the issue's 56, and 14 of performance
    sent = [
        p
        for c in pkg.client
        if c.method == "GET"
        for p in c.params
        if (op := pkg.operation(c.key)) is not None and op.area is None and not op.identity
    ]
    assert len(sent) == 56 + 14
    assert sorted({op.area for op in pkg.operations if op.area}) == []


def test_differences_table_names_package_operations() -> None:
    keys = {op.key for op in package.load().operations}
    rows = differences.documented()
    assert rows, f"no rows read from {differences.DOC}"
    unknown = [d.row for d in rows if d.operation != "*" and d.operation not in keys]
    assert not unknown, "rows of spec/DIFFERENCES.md naming no operation of the package:\n" + "\n".join(unknown)


async def test_operations_conform(plain_clients: tuple[httpx.AsyncClient, httpx.AsyncClient]) -> None:
    rows = differences.documented()
    local, remote = plain_clients
    result = await checks.run(local, package.load(), rows, remote)
    failures = [f"{key}: " + "; ".join(problems) for key, problems in sorted(result.problems.items())]
    stale = [d.row for d in rows if d.row not in result.documented_hits]
    message = "\n".join(
        [checks.report(result).split("\n\n")[0], *failures]
        + (["rows of spec/DIFFERENCES.md no answer shows any more:", *stale] if stale else [])
    )
    assert not failures and not stale, message
    figures = result.figures()
    # every identity body and parameter is accepted through the remote provider
    assert figures["bodies"][0] == figures["bodies"][1] and figures["params_all"][0] == figures["params_all"][1]
