"""Apps for the catalog tests: under the reference remote provider without the catalog
capabilities (this server's catalog, two users), and under one that offers them (forwarded)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import replace
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette

from meshery.app import create_app
from meshery.config import Settings
from tests.fixtures.app import SharedApp, app_settings, shared_for
from tests.fixtures.contract import ContractChecker, contract_client
from tests.fixtures.remote_provider import RemoteProviderProcess

AppClient = Callable[[RemoteProviderProcess], AbstractAsyncContextManager[httpx.AsyncClient]]


@pytest.fixture(scope="session")
def catalog_provider(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RemoteProviderProcess]:
    """The reference provider offering the catalog and share capabilities."""
    provider = RemoteProviderProcess(tmp_path_factory.mktemp("catalog-provider"), args=("--catalog",))
    provider.start()
    try:
        yield provider
    finally:
        provider.stop()


def session_of(provider: RemoteProviderProcess, user: str) -> dict[str, str]:
    return {"Cookie": f"meshery-provider={provider.name}; token={provider.issue(user)}"}


@pytest.fixture
def app_client(
    request: pytest.FixtureRequest,
    shared_apps: dict[str, SharedApp],
    tmp_path_factory: pytest.TempPathFactory,
    contract: ContractChecker,
) -> AppClient:
    """``async with app_client(provider) as http:`` an app (SQLite) under that provider."""

    @asynccontextmanager
    async def make(provider: RemoteProviderProcess) -> AsyncIterator[httpx.AsyncClient]:
        def settings(folder: Path, _url: str) -> tuple[Settings, None]:
            base = app_settings(user_data_folder=folder / "meshery", provider_base_urls=(provider.url,))
            return replace(base, provider=provider.name), None

        key = f"catalog-{provider.url}"
        shared = shared_for(
            request, shared_apps, key=key, backend="sqlite", folder=lambda: tmp_path_factory.mktemp("catalog"),
            make=settings,
        )  # fmt: skip
        app: Starlette = create_app(shared.settings) if shared.running else shared.fresh()
        async with app.router.lifespan_context(app), contract_client(app, contract) as http:
            yield http

    return make
