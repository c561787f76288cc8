"""Fixtures: the sample adapter served in-process under either service name, and an app watching it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

import grpc.aio
import httpx
import pytest
from starlette.applications import Starlette

from meshery.adapters.sample import server as sample
from meshery.app import create_app
from meshery.config import Settings
from tests.fixtures.contract import ContractChecker, contract_client


@dataclass
class RunningAdapter:
    port: int
    service: str
    grpc_server: grpc.aio.Server
    adapter: sample.SampleAdapter

    @property
    def location(self) -> str:
        return f"localhost:{self.port}"

    async def stop(self) -> None:
        await sample.stop(self.grpc_server, self.adapter, grace=0)


@dataclass
class AdapterFactory:
    running: list[RunningAdapter] = field(default_factory=list)

    async def __call__(self, service: str = "AdapterService", port: int = 0) -> RunningAdapter:
        grpc_server, adapter, bound = await sample.start(port, service=service)
        running = RunningAdapter(bound, service, grpc_server, adapter)
        self.running.append(running)
        return running


StartAdapter = Callable[..., Awaitable[RunningAdapter]]


@pytest.fixture
async def start_adapter() -> AsyncIterator[AdapterFactory]:
    factory = AdapterFactory()
    try:
        yield factory
    finally:
        for running in factory.running:
            await running.stop()


@pytest.fixture(params=["AdapterService", "MeshService"])
async def sample_adapter(request: pytest.FixtureRequest, start_adapter: AdapterFactory) -> RunningAdapter:
    """The sample adapter under each generation's service name."""
    return await start_adapter(request.param)


@pytest.fixture
def adapter_settings(tmp_path: Path, database_url: str, sample_adapter: RunningAdapter) -> Settings:
    return Settings(
        user_data_folder=tmp_path / "meshery",
        database_url=database_url,
        adapter_urls=(sample_adapter.location,),
        kubeconfig_folder=tmp_path / "kube",
        adapter_loopback_only=True,
    )


@pytest.fixture
async def adapter_app(adapter_settings: Settings) -> AsyncIterator[Starlette]:
    application = create_app(adapter_settings)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def adapter_client(adapter_app: Starlette, contract: ContractChecker) -> AsyncIterator[httpx.AsyncClient]:
    async with contract_client(adapter_app, contract) as http:
        yield http
