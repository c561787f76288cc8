"""Tests of the NATS bus (meshery.bus.nats) against a real nats-server, including outages."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable
from typing import Protocol, TypeVar

import pytest

from meshery import bus as bus_api
from meshery.bus import base
from meshery.bus.nats import NatsBus
from tests.fixtures.nats import NatsServer

pytestmark = pytest.mark.nats

TIMEOUT = 5.0
T = TypeVar("T")


class MakeBus(Protocol):
    async def __call__(self, name: str, *, start_wait: float = ...) -> NatsBus: ...


@pytest.fixture
async def make_bus(nats_server: NatsServer) -> AsyncIterator[MakeBus]:
    nats_server.start()  # in case an earlier test failed while it was stopped
    buses: list[NatsBus] = []

    async def make(name: str, *, start_wait: float = TIMEOUT) -> NatsBus:
        bus = NatsBus(url=nats_server.url, name=name, reconnect_wait=0.05, start_wait=start_wait)
        buses.append(bus)
        await bus.start()
        return bus

    yield make
    for bus in buses:
        await bus.stop()


async def within(awaitable: Awaitable[T]) -> T:
    return await asyncio.wait_for(awaitable, TIMEOUT)


async def receive(subscription: base.Subscription) -> base.Message:
    return await within(anext(subscription))


async def subjects_until(subscription: base.Subscription, last: str) -> list[str]:
    """Subjects received up to and including `last`."""
    subjects: list[str] = []
    while not subjects or subjects[-1] != last:
        subjects.append((await receive(subscription)).subject)
    return subjects


def test_create_bus_with_url_is_nats() -> None:
    bus = bus_api.create_bus(nats_url="nats://127.0.0.1:4222, nats://127.0.0.1:4223", name="x")
    assert isinstance(bus, NatsBus)
    assert bus.servers == ["nats://127.0.0.1:4222", "nats://127.0.0.1:4223"]
    assert not bus.connected


async def test_malformed_url_fails_start() -> None:
    bus = NatsBus(url="nats://127.0.0.1:99999", name="bad")
    with pytest.raises(bus_api.BusError, match="cannot use NATS"):
        await bus.start()
    with pytest.raises(bus_api.BusNotRunning):
        await bus.publish("a", b"")


async def test_two_instances_see_every_message_exactly_once(make_bus: MakeBus) -> None:
    a, b = await make_bus("a"), await make_bus("b")
    assert a.connected and b.connected
    on_a, on_b = await a.subscribe("ev.>"), await b.subscribe("ev.*.*")
    own = [f"ev.a.{i}" for i in range(5)]
    theirs = [f"ev.b.{i}" for i in range(5)]

    # Each side publishes only after seeing the other's marker arrive through NATS. A marker
    # travels on the same NATS subscription as any echo of earlier messages, behind them, so a
    # message delivered twice would show up before the marker and break the exact lists below.
    for subject in [*own, "ev.a.mark"]:
        await a.publish(subject, b"")
    assert await subjects_until(on_b, "ev.a.mark") == [*own, "ev.a.mark"]
    for subject in [*theirs, "ev.b.mark"]:
        await b.publish(subject, b"")
    assert await subjects_until(on_a, "ev.b.mark") == [*own, "ev.a.mark", *theirs, "ev.b.mark"]
    await a.publish("ev.a.final", b"")
    assert await subjects_until(on_b, "ev.a.final") == [*theirs, "ev.b.mark", "ev.a.final"]
    assert (await receive(on_a)).subject == "ev.a.final"


async def test_headers_cross_instances(make_bus: MakeBus) -> None:
    a, b = await make_bus("a"), await make_bus("b")
    on_b = await b.subscribe("hdr.test")
    await a.publish("hdr.test", b"payload", headers={"X-Trace": "42"})
    message = await receive(on_b)
    # The origin header is the bus's own bookkeeping and never reaches subscribers.
    assert message == base.Message(subject="hdr.test", data=b"payload", headers={"X-Trace": "42"})


async def test_queue_group_spans_instances(make_bus: MakeBus) -> None:
    a, b = await make_bus("a"), await make_bus("b")
    members = [await a.subscribe("jobs.*", queue="workers"), await b.subscribe("jobs.*", queue="workers")]
    jobs = [f"jobs.{i}" for i in range(20)]
    for subject in jobs:
        await a.publish(subject, b"")

    received: list[list[str]] = [[], []]

    async def take(index: int) -> None:
        while sum(map(len, received)) < len(jobs):
            try:
                message = await asyncio.wait_for(anext(members[index]), 0.05)
            except TimeoutError:
                continue
            received[index].append(message.subject)

    await within(asyncio.gather(take(0), take(1)))
    assert sorted(received[0] + received[1]) == sorted(jobs)
    # NATS picks members at random: with 20 jobs both sides get some (odds of not: 2 in 10^6).
    assert received[0] and received[1]


async def test_request_reply_across_instances(make_bus: MakeBus) -> None:
    a, b = await make_bus("a"), await make_bus("b")
    requests = await b.subscribe("svc.upper", queue="svc")

    async def respond() -> None:
        async for message in requests:
            assert message.reply is not None
            await b.publish(message.reply, message.data.upper())

    responder = asyncio.create_task(respond())
    try:
        remote = await a.request("svc.upper", b"remote", timeout=TIMEOUT)
        local = await b.request("svc.upper", b"local", timeout=TIMEOUT)
    finally:
        await requests.unsubscribe()
        await responder
    assert (remote.data, local.data) == (b"REMOTE", b"LOCAL")


async def test_request_failures(make_bus: MakeBus) -> None:
    a, b = await make_bus("a"), await make_bus("b")
    with pytest.raises(bus_api.NoResponders):
        await a.request("svc.nobody", b"", timeout=TIMEOUT)
    silent = await b.subscribe("svc.silent")
    with pytest.raises(bus_api.RequestTimeout):
        await a.request("svc.silent", b"", timeout=0.2)
    assert (await receive(silent)).reply is not None


async def test_stalled_subscriber_drops_oldest_without_blocking(make_bus: MakeBus) -> None:
    a, b = await make_bus("a"), await make_bus("b")
    stalled = await b.subscribe("feed", max_pending=2)
    healthy = await b.subscribe("feed")
    for index in range(10):
        await within(a.publish("feed", str(index).encode()))
    # Both share one NATS subscription and get each message in turn, so once the healthy one
    # has the last message the stalled one has been offered all ten.
    assert [(await receive(healthy)).data for _ in range(10)][-1] == b"9"
    assert stalled.dropped == 8
    assert [(await receive(stalled)).data for _ in range(2)] == [b"8", b"9"]


async def test_oversized_message_is_delivered_locally(make_bus: MakeBus, caplog: pytest.LogCaptureFixture) -> None:
    a = await make_bus("a")
    local = await a.subscribe("big")
    await a.publish("big", b"x" * (2 * 1024 * 1024))  # above the server's 1 MiB max_payload
    assert len((await receive(local)).data) == 2 * 1024 * 1024
    assert "too large for NATS" in caplog.text


async def test_stop_flushes_what_was_published(make_bus: MakeBus) -> None:
    a, b = await make_bus("a"), await make_bus("b")
    on_b = await b.subscribe("bye")
    await a.publish("bye", b"")
    await a.stop()
    assert (await receive(on_b)).subject == "bye"
    assert not a.connected


async def test_outage_and_restart_keep_the_same_bus_working(
    nats_server: NatsServer, make_bus: MakeBus, caplog: pytest.LogCaptureFixture
) -> None:
    a, b = await make_bus("a"), await make_bus("b")
    on_a, on_b = await a.subscribe("stream.>"), await b.subscribe("stream.>")
    status_a, status_b = a.watch_status(), b.watch_status()
    assert [await anext(status_a), await anext(status_b)] == [True, True]

    nats_server.stop()
    try:
        assert [await within(anext(status_a)), await within(anext(status_b))] == [False, False]
        with caplog.at_level(logging.DEBUG, logger="meshery.bus.nats"):
            await a.publish("stream.during", b"")  # must neither raise nor block
        assert "not forwarded" in caplog.text
        assert (await receive(on_a)).subject == "stream.during"
        made_during_outage = await b.subscribe("late.>")
    finally:
        nats_server.start()

    assert [await within(anext(status_a)), await within(anext(status_b))] == [True, True]
    await a.publish("stream.after", b"")
    # The outage message was not queued for later: "stream.after" is the first thing b sees.
    assert (await receive(on_b)).subject == "stream.after"
    await b.publish("stream.back", b"")
    assert await subjects_until(on_a, "stream.back") == ["stream.after", "stream.back"]
    await a.publish("late.hello", b"")
    assert (await receive(made_during_outage)).subject == "late.hello"


async def test_start_while_nats_is_down(nats_server: NatsServer, make_bus: MakeBus) -> None:
    nats_server.stop()
    try:
        bus = await make_bus("early", start_wait=0.05)
        assert not bus.connected
        status = bus.watch_status()
        assert await anext(status) is False
        subscription = await bus.subscribe("boot.>")
        await bus.publish("boot.local", b"")
        assert (await receive(subscription)).subject == "boot.local"
        # Request/reply between local parties needs no NATS either.
        request = asyncio.create_task(bus.request("boot.ping", b"", timeout=TIMEOUT))
        asked = await receive(subscription)
        assert asked.subject == "boot.ping" and asked.reply is not None
        await bus.publish(asked.reply, b"pong")
        assert (await within(request)).data == b"pong"
    finally:
        nats_server.start()

    assert await within(anext(status)) is True
    peer = await make_bus("peer")
    await peer.publish("boot.remote", b"")
    assert (await receive(subscription)).subject == "boot.remote"


async def test_stop_while_nats_is_down(nats_server: NatsServer, make_bus: MakeBus) -> None:
    nats_server.stop()
    try:
        bus = await make_bus("never", start_wait=0.05)
        status = bus.watch_status()
        assert await anext(status) is False
        await within(bus.stop())
        with pytest.raises(StopAsyncIteration):
            await anext(status)
    finally:
        nats_server.start()
