"""The hub: one bus subscription fanned out to bounded per-client queues."""

from __future__ import annotations

import asyncio
import logging

import pytest

from meshery.context import Services
from meshery.events import NewEvent, raise_event, service, stream
from meshery.events.settings import EventsConfig
from meshery.events.stream import Listener, StreamClosed

pytestmark = pytest.mark.parametrize("database_backend", ["sqlite"], indirect=True)


async def _raise(services: Services, n: int = 1, **kwargs: object) -> list[str]:
    ids = []
    for i in range(n):
        body = await raise_event(
            services,
            NewEvent(category="test", action="raise", description=f"event {i}", **kwargs),  # type: ignore[arg-type]
        )
        ids.append(body["id"])
    return ids


async def _drain(listener: Listener, count: int) -> list[str]:
    got = []
    for _ in range(count):
        frame = await asyncio.wait_for(listener.next(), 5)
        assert frame is not None
        got.append(frame.event["id"])
    return got


async def test_every_listener_gets_every_event_once(services: Services) -> None:
    listeners = [await service.open_stream(services, "meshery", "sse") for _ in range(3)]
    ids = await _raise(services, 5)
    for listener in listeners:
        assert await _drain(listener, 5) == ids
        assert listener.pending == 0  # nothing twice
    hub = stream.hub_for(services)
    assert hub.delivered == 5 and len(hub.listeners) == 3


async def test_one_bus_subscription_for_all_clients(services: Services) -> None:
    hub = stream.hub_for(services)
    for _ in range(10):
        await service.open_stream(services, None, "graphql")
    assert hub.running
    assert sum(1 for t in services.background if t is hub._pump) == 1


async def test_a_client_that_never_reads_is_dropped_and_others_go_on(
    services: Services, caplog: pytest.LogCaptureFixture
) -> None:
    hub = stream.hub_for(services)
    hub.max_pending = 4
    stalled = await service.open_stream(services, "meshery", "sse")
    reader = await service.open_stream(services, "meshery", "sse")
    with caplog.at_level(logging.WARNING, logger="meshery.events.stream"):
        first = await _raise(services, 3)
        assert await _drain(reader, 3) == first
        rest = await _raise(services, 3)
        assert await _drain(reader, 3) == rest
    assert stalled.closed and stalled.overflowed and stalled not in hub.listeners
    assert reader in hub.listeners and hub.dropped_clients == 1
    with pytest.raises(StreamClosed, match="fell behind by 4 events"):
        await stalled.next()
    assert "meshery-server-1103" in caplog.text and "fell behind" in caplog.text


async def test_closed_listener_is_removed_at_once(services: Services) -> None:
    hub = stream.hub_for(services)
    listener = await service.open_stream(services, "meshery", "sse")
    listener.close()
    assert listener not in hub.listeners
    listener.close()  # twice is harmless
    await _raise(services)
    with pytest.raises(StreamClosed):
        await listener.next()


async def test_users_see_their_events_and_system_events(services: Services) -> None:
    alice = await service.open_stream(services, "alice", "sse")
    bob = await service.open_stream(services, "bob", "sse")
    own = await _raise(services, user_id="alice")
    system = await _raise(services)
    assert await _drain(alice, 2) == own + system
    assert await _drain(bob, 1) == system


async def test_debug_events_stream_only_in_debug_mode(services: Services) -> None:
    listener = await service.open_stream(services, "meshery", "sse")
    await _raise(services, severity="debug")
    shown = await _raise(services, severity="error")
    assert await _drain(listener, 1) == shown
    await service.put_config(services, EventsConfig(debug_mode=True))
    debug = await _raise(services, severity="debug")
    assert await _drain(listener, 1) == debug


async def test_stopping_the_bus_ends_every_stream(services: Services) -> None:
    listener = await service.open_stream(services, "meshery", "graphql")
    await services.bus.stop()
    with pytest.raises(StreamClosed, match="stopping"):
        await asyncio.wait_for(listener.next(), 5)
    assert not stream.hub_for(services).listeners


async def test_a_stopped_bus_refuses_new_streams(services: Services) -> None:
    await services.bus.stop()
    with pytest.raises(Exception, match="not running") as info:
        await service.open_stream(services, "meshery", "sse")
    assert getattr(info.value, "code", "") == "meshery-server-1104"


async def test_frames_render_each_wire_form_once(services: Services) -> None:
    listeners = [await service.open_stream(services, "meshery", "sse") for _ in range(2)]
    await _raise(services, user_id="meshery", acted_upon="c0ffee00-0000-4000-8000-000000000001")
    frames = [await asyncio.wait_for(listener.next(), 5) for listener in listeners]
    assert frames[0] is frames[1]
    frame = frames[0]
    assert frame is not None
    assert frame.sse.startswith(b"data: {") and frame.sse.endswith(b"}\n\n") and frame.sse.count(b"\n") == 2
    assert frame.graphql["userID"] == "meshery" and frame.graphql["actedUpon"].startswith("c0ffee00")
    assert frame.graphql is frame.graphql


async def test_graphql_subscriber_that_falls_behind_ends_with_the_overflow_error(services: Services) -> None:
    from generated import errors
    from handlers.events import subscribe_events
    from meshery import context
    from meshery.providers.local import LOCAL_USER

    stream.hub_for(services).max_pending = 2
    token = context.activate(context.RequestContext(services=services, provider="None", user=LOCAL_USER))
    try:
        events = subscribe_events()
        first = asyncio.ensure_future(anext(events))
        hub = stream.hub_for(services)
        async with asyncio.timeout(5):
            while not hub.listeners:  # noqa: ASYNC110 - the hub offers no change signal
                await asyncio.sleep(0.001)
        first_id = (await _raise(services))[0]
        assert (await first)["id"] == first_id
        await _raise(services, 3)  # the subscriber reads none of these; its queue holds two
        async with asyncio.timeout(5):
            while hub.delivered < 4:  # noqa: ASYNC110 - the hub offers no change signal
                await asyncio.sleep(0.001)
        with pytest.raises(errors.ErrEventStreamOverflow):
            while True:
                await anext(events)
    finally:
        context.deactivate(token)
    assert not stream.hub_for(services).listeners
