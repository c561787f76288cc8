"""Apps under a remote provider (the reference provider process), for the provider tests.

An app of given settings is built once per session (``tests.fixtures.app.SharedApp``) and started
per use on an empty database with new providers. A second app open at the same time on the same
settings (two replicas of one database) is built anew and shares the first one's database.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
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

RemoteClient = Callable[..., AbstractAsyncContextManager[httpx.AsyncClient]]


@pytest.fixture
def remote_client(
    request: pytest.FixtureRequest,
    remote_provider: RemoteProviderProcess,
    shared_apps: dict[str, SharedApp],
    tmp_path_factory: pytest.TempPathFactory,
    contract: ContractChecker,
) -> RemoteClient:
    """``async with remote_client(provider="Reference") as http:`` an app under the remote provider."""

    @asynccontextmanager
    async def make(**changes: object) -> AsyncIterator[httpx.AsyncClient]:
        def settings(folder: Path, _url: str) -> tuple[Settings, None]:
            base = app_settings(user_data_folder=folder / "meshery", provider_base_urls=(remote_provider.url,))
            return replace(base, **changes), None  # type: ignore[arg-type]

        def folder() -> Path:
            return tmp_path_factory.mktemp("remote")

        key = f"remote-{sorted(changes.items())!r}"
        shared = shared_for(request, shared_apps, key=key, backend="sqlite", folder=folder, make=settings)
        app: Starlette = create_app(shared.settings) if shared.running else shared.fresh()
        async with app.router.lifespan_context(app), contract_client(app, contract) as http:
            yield http

    return make
