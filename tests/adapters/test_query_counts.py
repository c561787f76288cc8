"""SQL statements of the adapters' hot paths: listing runs none, an operation a few, a relayed event few."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
from starlette.applications import Starlette

from generated.meshes import meshops_pb2 as pb
from meshery.events import EVENTS_SUBJECT
from tests.adapters.conftest import RunningAdapter
from tests.fixtures.queries import check_baseline, counting


async def _ready(app: Starlette, adapter: RunningAdapter, backend: tuple[str, str]) -> tuple[Any, str]:
    services = app.state.meshery.services
    await services.adapters.tracker.wait_for(adapter.location, "up", 5)
    await adapter.subscribed()
    return services, "postgresql" if backend[0] == "postgres" else "sqlite"


async def test_listing_and_operation(
    adapter_app: Starlette, adapter_client: httpx.AsyncClient, sample_adapter: RunningAdapter, backend: tuple[str, str]
) -> None:
    services, dialect = await _ready(adapter_app, sample_adapter, backend)

    with counting(services.store) as statements:
        assert (await adapter_client.get("/api/system/adapters")).status_code == 200
    assert statements == []

    subscription = await services.bus.subscribe(EVENTS_SUBJECT)
    with counting(services.store) as statements:
        response = await adapter_client.post(
            "/api/system/adapter/operation", data={"adapter": sample_adapter.location, "query": "validate_clusters"}
        )
        assert response.status_code == 200
        await asyncio.wait_for(anext(aiter(subscription)), 5)  # the adapter's error event (no cluster given)
    check_baseline(f"POST /api/system/adapter/operation and its one event ({dialect})", statements)


async def test_relay_of_one_event(
    adapter_app: Starlette, sample_adapter: RunningAdapter, backend: tuple[str, str]
) -> None:
    services, dialect = await _ready(adapter_app, sample_adapter, backend)
    subscription = await services.bus.subscribe(EVENTS_SUBJECT)
    with counting(services.store, background=True) as statements:  # the relay runs in the app's own task
        sample_adapter.adapter.hub.publish(pb.EventsResponse(summary="counted"))
        message = await asyncio.wait_for(anext(aiter(subscription)), 5)
    assert json.loads(message.data)["description"] == "counted"
    check_baseline(f"relay of one adapter event ({dialect})", statements)
