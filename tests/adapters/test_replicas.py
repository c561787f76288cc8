"""Two replicas on one database watching one adapter: each adapter event is relayed once.

Both replicas hold the adapter's event stream open and receive every event; the claim table
decides which one stores and publishes it, and the owner of an operation started on one
replica is known to the other.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from starlette.applications import Starlette

from generated.meshes import meshops_pb2 as pb
from meshery.app import create_app
from meshery.providers.local import LOCAL_USER_UUID
from meshery.store.events import EventRow
from tests.adapters.conftest import RunningAdapter
from tests.fixtures.app import app_settings
from tests.fixtures.contract import ContractChecker, contract_client


@pytest.fixture
async def replicas(tmp_path: Path, database_url: str, sample_adapter: RunningAdapter) -> AsyncIterator[list[Starlette]]:
    async with AsyncExitStack() as stack:
        apps = []
        for _ in range(2):
            settings = app_settings(user_data_folder=tmp_path / "shared",
                database_url=database_url,
                adapter_urls=(sample_adapter.location,),
                adapter_loopback_only=True,
            )
            app = create_app(settings)
            await stack.enter_async_context(app.router.lifespan_context(app))
            apps.append(app)
        yield apps


async def _count(app: Starlette, **where: Any) -> int:
    store = app.state.meshery.services.store
    async with store.read() as session:
        query = select(func.count()).select_from(EventRow)
        for column, value in where.items():
            query = query.where(getattr(EventRow, column) == value)
        return int(await session.scalar(query) or 0)


async def _settle(app: Starlette, expected: int, **where: Any) -> int:
    for _ in range(300):
        if await _count(app, **where) >= expected:
            break
        await asyncio.sleep(0.01)
    await asyncio.sleep(0.2)  # a duplicate would land by now
    return await _count(app, **where)


@pytest.mark.parametrize(
    "backend",
    [("sqlite", "AdapterService"), pytest.param(("postgres", "AdapterService"), marks=pytest.mark.postgres)],
    indirect=True,
)
async def test_each_event_is_relayed_once_with_its_owner(
    replicas: list[Starlette], sample_adapter: RunningAdapter, contract: ContractChecker
) -> None:
    for app in replicas:
        await app.state.meshery.services.adapters.tracker.wait_for(sample_adapter.location, "up", 5)
    for _ in range(500):
        if sample_adapter.adapter.hub.subscribers == 2:
            break
        await asyncio.sleep(0.01)
    assert sample_adapter.adapter.hub.subscribers == 2

    for _ in range(3):  # identical events are distinct occurrences, not duplicates
        sample_adapter.adapter.hub.publish(pb.EventsResponse(summary="tick", component_name="sample"))
    assert await _settle(replicas[0], 3, description="tick") == 3

    async with contract_client(replicas[1], contract) as http:
        response = await http.post(
            "/api/system/adapter/operation", data={"adapter": sample_adapter.location, "query": "echo"}
        )
    assert response.status_code == 200
    operation_id = response.json()["operation_id"]
    assert await _settle(replicas[0], 1, operation_id=operation_id) == 1
    assert await _count(replicas[0], operation_id=operation_id, user_id=LOCAL_USER_UUID) == 1
    relays = [app.state.meshery.services.adapters.tracker.on_event for app in replicas]
    assert sum(r.relayed for r in relays) == 4 and sum(r.skipped for r in relays) == 4
