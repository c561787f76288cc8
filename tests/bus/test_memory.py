"""Tests of the in-process bus (meshery.bus.memory) and the shared Subscription behaviour."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from meshery import bus as bus_api
from meshery.bus import base, memory

TIMEOUT = 2.0


async def receive(subscription: base.Subscription) -> base.Message:
    return await asyncio.wait_for(anext(subscription), TIMEOUT)


@pytest.fixture
async def bus() -> AsyncIterator[memory.MemoryBus]:
    instance = memory.MemoryBus(name="test")
    await instance.start()
    yield instance
    await instance.stop()


def test_create_bus_without_url_is_in_process() -> None:
    assert isinstance(bus_api.create_bus(nats_url=None, name="x"), memory.MemoryBus)
    assert isinstance(bus_api.create_bus(nats_url="", name="x"), memory.MemoryBus)


async def test_publish_reaches_exact_and_wildcard_subscribers(bus: memory.MemoryBus) -> None:
    exact = await bus.subscribe("meshery.meshsync.core")
    one_token = await bus.subscribe("meshery.*.core")
    rest = await bus.subscribe("meshery.>")
    other = await bus.subscribe("meshery.meshsync.request")

    await bus.publish("meshery.meshsync.core", b"event", headers={"k": "v"})

    for subscription in (exact, one_token, rest):
        message = await receive(subscription)
        assert message == base.Message(subject="meshery.meshsync.core", data=b"event", reply=None, headers={"k": "v"})
    # In-process delivery is synchronous, so nothing can still be on its way.
    assert other.pending == 0
    assert exact.pending == one_token.pending == rest.pending == 0


async def test_waiting_reader_wakes_up_and_order_is_kept(bus: memory.MemoryBus) -> None:
    subscription = await bus.subscribe("events.>")
    reader = asyncio.create_task(receive(subscription))
    await asyncio.sleep(0)  # let the reader block on the empty mailbox
    for index in range(3):
        await bus.publish(f"events.{index}", str(index).encode())
    assert (await reader).data == b"0"
    assert [(await receive(subscription)).data for _ in range(2)] == [b"1", b"2"]


async def test_queue_group_delivers_each_message_to_one_member(bus: memory.MemoryBus) -> None:
    members = [await bus.subscribe("jobs.*", queue="workers") for _ in range(2)]
    other_group = await bus.subscribe("jobs.*", queue="auditors")
    plain = await bus.subscribe("jobs.*")

    for index in range(10):
        await bus.publish(f"jobs.{index}", b"")

    per_member = [[m.subject for m in await _drain(member)] for member in members]
    assert all(per_member), "both members should get work"
    assert sorted(per_member[0] + per_member[1]) == sorted(f"jobs.{i}" for i in range(10))
    assert len(await _drain(other_group)) == 10
    assert len(await _drain(plain)) == 10


async def test_same_queue_name_on_other_pattern_is_another_group(bus: memory.MemoryBus) -> None:
    narrow = await bus.subscribe("jobs.a", queue="workers")
    wide = await bus.subscribe("jobs.*", queue="workers")
    await bus.publish("jobs.a", b"")
    assert narrow.pending == wide.pending == 1


async def test_request_reply(bus: memory.MemoryBus) -> None:
    requests = await bus.subscribe("svc.echo", queue="echo")

    async def respond() -> None:
        async for message in requests:
            assert message.reply is not None
            await bus.publish(message.reply, b"re: " + message.data)

    responder = asyncio.create_task(respond())
    try:
        first = await bus.request("svc.echo", b"one", timeout=TIMEOUT)
        second = await bus.request("svc.echo", b"two", timeout=TIMEOUT)
    finally:
        await requests.unsubscribe()
        await responder
    assert (first.data, second.data) == (b"re: one", b"re: two")
    assert first.subject.startswith("_INBOX.")


async def test_request_without_responders_fails_at_once(bus: memory.MemoryBus) -> None:
    with pytest.raises(bus_api.NoResponders):
        await bus.request("svc.nobody", b"", timeout=TIMEOUT)


async def test_request_times_out_when_nobody_replies(bus: memory.MemoryBus) -> None:
    silent = await bus.subscribe("svc.silent")
    with pytest.raises(bus_api.RequestTimeout):
        await bus.request("svc.silent", b"", timeout=0.05)
    assert silent.pending == 1


async def test_full_mailbox_drops_oldest_and_never_blocks(bus: memory.MemoryBus) -> None:
    stalled = await bus.subscribe("feed", max_pending=3)
    healthy = await bus.subscribe("feed", max_pending=100)

    async def publish_all() -> None:
        for index in range(10):
            await bus.publish("feed", str(index).encode())

    await asyncio.wait_for(publish_all(), TIMEOUT)

    assert stalled.dropped == 7
    assert [m.data for m in await _drain(stalled)] == [b"7", b"8", b"9"]
    assert healthy.dropped == 0
    assert len(await _drain(healthy)) == 10


async def test_unsubscribe_ends_iteration_and_delivery(bus: memory.MemoryBus) -> None:
    subscription = await bus.subscribe("a.b")
    await bus.publish("a.b", b"queued")
    reader = asyncio.create_task(_collect(subscription))
    await asyncio.sleep(0)
    await subscription.unsubscribe()
    await subscription.unsubscribe()  # idempotent
    await bus.publish("a.b", b"late")
    assert await asyncio.wait_for(reader, TIMEOUT) == [b"queued"]
    assert subscription.closed and subscription.pending == 0


async def test_stop_ends_subscriptions_and_status_watchers() -> None:
    bus = memory.MemoryBus(name="test")
    assert not bus.connected
    await bus.start()
    subscription = await bus.subscribe(">")
    watcher = bus.watch_status()
    assert await anext(watcher) is True

    await bus.stop()

    assert await anext(watcher) is False
    with pytest.raises(StopAsyncIteration):
        await anext(watcher)
    assert await asyncio.wait_for(_collect(subscription), TIMEOUT) == []
    await bus.stop()  # idempotent


async def test_use_outside_start_stop_raises() -> None:
    bus = memory.MemoryBus(name="test")
    with pytest.raises(bus_api.BusNotRunning):
        await bus.publish("a", b"")
    await bus.start()
    await bus.stop()
    with pytest.raises(bus_api.BusNotRunning):
        await bus.subscribe("a")
    with pytest.raises(bus_api.BusNotRunning):
        await bus.request("a", b"", timeout=TIMEOUT)


async def test_invalid_arguments_are_rejected(bus: memory.MemoryBus) -> None:
    with pytest.raises(bus_api.InvalidSubject):
        await bus.publish("a.*", b"")
    with pytest.raises(bus_api.InvalidSubject):
        await bus.subscribe("a..b")
    with pytest.raises(bus_api.InvalidSubject):
        await bus.request("a.>", b"", timeout=TIMEOUT)
    with pytest.raises(bus_api.InvalidQueueGroup):
        await bus.subscribe("a", queue="two words")
    with pytest.raises(ValueError, match="max_pending"):
        await bus.subscribe("a", max_pending=0)


async def _drain(subscription: base.Subscription) -> list[base.Message]:
    """Take what is queued now (in-process delivery is synchronous, so that is everything)."""
    return [await receive(subscription) for _ in range(subscription.pending)]


async def _collect(subscription: base.Subscription) -> list[bytes]:
    return [message.data async for message in subscription]
