"""raise_event: stored first, then published on the bus in upstream's JSON shape."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from sqlalchemy import select

from meshery.context import Services
from meshery.events import EVENTS_SUBJECT, NewEvent, decode_event, raise_event
from meshery.store.events import EventRow


async def test_event_is_stored_and_published(services: Services) -> None:
    subscription = await services.bus.subscribe(EVENTS_SUBJECT)
    body = await raise_event(
        services,
        NewEvent(
            category="connection",
            action="create",
            description="Kubernetes config uploaded.",
            severity="error",
            acted_upon="1b4e28ba-2fa1-11d2-883f-0016d3cca427",
            user_id="meshery",
            metadata={"ctx-a": {"error": "unreachable"}, "path": Path("/x")},
        ),
    )
    message = await asyncio.wait_for(anext(aiter(subscription)), timeout=5)
    assert decode_event(message.data) == body
    assert body["owner"] == "meshery"
    assert body["systemId"] == services.instance_id
    assert body["status"] == "unread"
    assert body["metadata"] == {"ctx-a": {"error": "unreachable"}, "path": "/x"}
    assert body["createdAt"].endswith("Z") and body["deletedAt"] is None
    async with services.store.read() as session:
        row = (await session.execute(select(EventRow))).scalar_one()
    assert (row.id, row.category, row.severity) == (body["id"], "connection", "error")
    assert row.event_metadata == body["metadata"]


async def test_owner_is_omitted_for_system_events(services: Services) -> None:
    body = await raise_event(services, NewEvent(category="registry", action="register", description="x"))
    assert "owner" not in body
    assert body["operationId"] and body["actedUpon"] == ""


async def test_event_is_stored_when_the_bus_is_down(services: Services) -> None:
    await services.bus.stop()
    body = await raise_event(services, NewEvent(category="registry", action="register", description="x"))
    async with services.store.read() as session:
        assert (await session.execute(select(EventRow.id))).scalar_one() == body["id"]


@pytest.mark.parametrize(
    "kwargs",
    [{"severity": "fatal"}, {"status": "not read"}, {"status": "x" * 17}, {"status": ""}, {"status": "-read"}],
)
def test_invalid_events_are_refused(kwargs: dict[str, str]) -> None:
    base = {"category": "pattern", "action": "deploy", "description": "d"}
    with pytest.raises(ValueError):
        NewEvent(**{**base, **kwargs})  # type: ignore[arg-type]


def test_decode_event_refuses_other_payloads() -> None:
    with pytest.raises(ValueError):
        decode_event(json.dumps([1]).encode())
