"""GraphQL subscribeConfiguration: the designs page now and again after every saved change."""

from __future__ import annotations

import asyncio

import httpx
from starlette.applications import Starlette

from handlers import designs
from meshery import context
from meshery.designs import service
from meshery.providers.local import LOCAL_USER
from tests.handlers.test_designs import save

TIMEOUT = 20.0  # generous: the machine is shared


async def test_configuration_subscription_follows_saves(app: Starlette, client: httpx.AsyncClient) -> None:
    services = app.state.meshery.services
    token = context.activate(context.RequestContext(services=services, provider="None", user=LOCAL_USER))
    try:
        stream = designs.subscribe_configuration({"page": "0", "pageSize": "10"})
        first = await asyncio.wait_for(anext(stream), TIMEOUT)
        assert first["patterns"]["total_count"] == 0
        assert first["filters"]["filters"] == []
        record = await save(client, name="followed")
        second = await asyncio.wait_for(anext(stream), TIMEOUT)
        assert second["patterns"]["total_count"] == 1
        assert [p["id"] for p in second["patterns"]["patterns"]] == [record["id"]]
        await stream.aclose()
        # Closing the subscription unsubscribes at once (not when the garbage collector gets to it).
        subscribed = services.bus._router.keys()
        assert (service.DESIGNS_CHANGED, None) not in subscribed
    finally:
        context.deactivate(token)
