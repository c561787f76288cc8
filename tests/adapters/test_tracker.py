"""The tracker: adapters that are down at start, come up later, and vanish mid-stream."""

from __future__ import annotations

import asyncio

import pytest

from generated.meshes import meshops_pb2 as pb
from meshery.adapter_address import InvalidLocation
from meshery.adapters.tracker import AdapterState, AdapterTracker
from tests.adapters.conftest import AdapterFactory
from tests.fixtures.server import free_port


async def _subscribed(adapter: object, count: int = 1) -> None:
    hub = adapter.hub  # type: ignore[attr-defined]
    for _ in range(500):
        if hub.subscribers >= count:
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the tracker never opened the event stream")


async def test_down_at_start_up_later_gone_mid_stream_and_back(start_adapter: AdapterFactory) -> None:
    port = free_port()
    location = f"localhost:{port}"
    received: list[tuple[str, str]] = []

    async def sink(state: AdapterState, event: pb.EventsResponse) -> None:
        received.append((state.location, event.summary))

    tracker = AdapterTracker(on_event=sink, backoff_first=0.05, backoff_max=0.3)
    try:
        tracker.add(location)
        down = await tracker.wait_for(location, "down", 5)
        assert down.error and down.name == ""

        first = await start_adapter("AdapterService", port=port)
        up = await tracker.wait_for(location, "up", 5)
        assert (up.name, up.service, up.connects) == ("meshery-sample", "AdapterService", 1)
        await _subscribed(first.adapter)
        first.adapter.hub.publish(pb.EventsResponse(summary="one"))

        await first.stop()  # goes away while the stream is open
        gone = await tracker.wait_for(location, "down", 5)
        assert gone.error

        # Back, now as a legacy adapter: the watcher finds the other service name by itself.
        second = await start_adapter("MeshService", port=port)
        again = await tracker.wait_for(location, "up", 5)
        assert (again.service, again.connects) == ("MeshService", 2)
        await _subscribed(second.adapter)
        second.adapter.hub.publish(pb.EventsResponse(summary="two"))
        for _ in range(200):
            if len(received) == 2:
                break
            await asyncio.sleep(0.01)
        assert received == [(location, "one"), (location, "two")]
        assert again.events_relayed == 2
    finally:
        await tracker.stop()


async def test_add_is_idempotent_and_remove_stops_watching(start_adapter: AdapterFactory) -> None:
    running = await start_adapter()
    tracker = AdapterTracker()
    try:
        first = tracker.add(running.location)
        assert tracker.add(f"localhost:{running.port}") is first
        assert tracker.add(str(running.port)) is first  # a bare port means localhost
        await tracker.wait_for(running.location, "up", 5)
        await _subscribed(running.adapter)
        assert await tracker.remove(running.location)
        assert tracker.states() == []
        for _ in range(200):
            if running.adapter.hub.subscribers == 0:
                break
            await asyncio.sleep(0.01)
        assert running.adapter.hub.subscribers == 0
        assert not await tracker.remove(running.location)
    finally:
        await tracker.stop()


def test_loopback_only_refuses_other_hosts() -> None:
    tracker = AdapterTracker(allow_remote=False)
    with pytest.raises(InvalidLocation, match="loopback"):
        tracker.add("10.0.0.1:10000")
