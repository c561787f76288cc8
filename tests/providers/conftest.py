"""Apps under a remote provider (the reference provider process), for the provider tests."""

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
from tests.fixtures.app import app_settings
from tests.fixtures.contract import ContractChecker, contract_client
from tests.fixtures.remote_provider import RemoteProviderProcess

RemoteClient = Callable[..., AbstractAsyncContextManager[httpx.AsyncClient]]


@pytest.fixture
def remote_settings(tmp_path: Path, remote_provider: RemoteProviderProcess) -> Settings:
    return app_settings(user_data_folder=tmp_path / "meshery", provider_base_urls=(remote_provider.url,)
    )


@pytest.fixture
def remote_client(remote_settings: Settings, contract: ContractChecker) -> RemoteClient:
    """``async with remote_client(provider="Reference") as http:`` an app under the remote provider."""

    @asynccontextmanager
    async def make(**changes: object) -> AsyncIterator[httpx.AsyncClient]:
        app: Starlette = create_app(replace(remote_settings, **changes))  # type: ignore[arg-type]
        async with app.router.lifespan_context(app), contract_client(app, contract) as http:
            yield http

    return make
