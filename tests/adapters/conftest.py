"""Fixtures: the sample adapter served in-process under either service name, and an app watching it."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import grpc.aio
import httpx
import pytest
from starlette.applications import Starlette

from meshery.adapters.sample import server as sample
from meshery.app import create_app
from meshery.config import Settings
from tests.fixtures.app import app_settings, settle
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

    async def subscribed(self) -> None:
        """Wait until a server has the adapter's event stream open."""
        for _ in range(500):
            if self.adapter.hub.subscribers:
                return
            await asyncio.sleep(0.01)
        raise AssertionError("nobody opened the adapter's event stream")


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


# Both service generations on SQLite; PostgreSQL with the current one (the store code is the same).
BACKEND_SERVICES = [
    pytest.param(("sqlite", "AdapterService"), id="sqlite-AdapterService"),
    pytest.param(("sqlite", "MeshService"), id="sqlite-MeshService"),
    pytest.param(("postgres", "AdapterService"), id="postgres-AdapterService", marks=pytest.mark.postgres),
]


@pytest.fixture(params=BACKEND_SERVICES)
def backend(request: pytest.FixtureRequest) -> tuple[str, str]:
    """(database, adapter service name) of one run."""
    value: tuple[str, str] = request.param
    return value


@pytest.fixture
def database_url(request: pytest.FixtureRequest, backend: tuple[str, str]) -> str:
    if backend[0] == "sqlite":
        return ""
    url: str = request.getfixturevalue("pg_url")
    return url


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def bare_database_url(request: pytest.FixtureRequest) -> str:
    if request.param == "sqlite":
        return ""
    url: str = request.getfixturevalue("pg_url")
    return url


@pytest.fixture
async def sample_adapter(backend: tuple[str, str], start_adapter: AdapterFactory) -> RunningAdapter:
    """The sample adapter under the run's service name."""
    return await start_adapter(backend[1])


@pytest.fixture
def adapter_settings(tmp_path: Path, database_url: str, sample_adapter: RunningAdapter) -> Settings:
    return app_settings(user_data_folder=tmp_path / "meshery",
        database_url=database_url,
        adapter_urls=(sample_adapter.location,),
        kubeconfig_folder=tmp_path / "kube",
        adapter_loopback_only=True,
    )


@pytest.fixture
async def adapter_app(adapter_settings: Settings) -> AsyncIterator[Starlette]:
    application = create_app(adapter_settings)
    async with application.router.lifespan_context(application):
        await settle(application)
        yield application


@pytest.fixture
async def bare_app(tmp_path: Path, bare_database_url: str) -> AsyncIterator[Starlette]:
    """An app with no adapters configured (loopback only, as test servers are)."""
    settings = app_settings(user_data_folder=tmp_path / "meshery",
        database_url=bare_database_url,
        adapter_loopback_only=True,
    )
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def bare_client(bare_app: Starlette, contract: ContractChecker) -> AsyncIterator[httpx.AsyncClient]:
    async with contract_client(bare_app, contract) as http:
        yield http


@pytest.fixture
async def adapter_client(adapter_app: Starlette, contract: ContractChecker) -> AsyncIterator[httpx.AsyncClient]:
    async with contract_client(adapter_app, contract) as http:
        yield http


class AdapterProcess:
    """``python -m meshery.adapters.sample`` as a child process (started and stopped by tests)."""

    def __init__(self, port: int, service: str = "AdapterService", log_dir: Path | None = None) -> None:
        self.port, self.service = port, service
        self.log_path = (log_dir or Path(tempfile.gettempdir())) / f"sample-adapter-{port}.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 15.0) -> None:
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "meshery.adapters.sample", "--port", str(self.port), "--service", self.service],
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"sample adapter exited: {self.log_path.read_text()}")
            if "serving meshes." in self.log_path.read_text():
                return
            time.sleep(0.02)
        raise AssertionError(f"sample adapter not serving after {timeout}s")

    def kill(self) -> None:
        """Abrupt end (no goodbye on open streams), as when an adapter crashes."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self.process = None

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None


@pytest.fixture
def adapter_process(tmp_path: Path) -> Iterator[Callable[..., AdapterProcess]]:
    started: list[AdapterProcess] = []

    def make(port: int, service: str = "AdapterService") -> AdapterProcess:
        process = AdapterProcess(port, service, tmp_path)
        started.append(process)
        return process

    try:
        yield make
    finally:
        for process in started:
            process.stop()
