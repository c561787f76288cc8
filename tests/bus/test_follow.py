"""Bus.follow: a live view rendered now and after every message, cleaned up however it ends."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from meshery.bus import memory

SUBJECT = "meshery.test.changed"
TIMEOUT = 5.0  # generous: the machine is shared; nothing here waits this long when it works


@pytest.fixture
async def bus() -> AsyncIterator[memory.MemoryBus]:
    instance = memory.MemoryBus(name="test")
    await instance.start()
    yield instance
    await instance.stop()


class Counter:
    """A render function that counts its calls and returns what ``values`` says."""

    def __init__(self, *values: int) -> None:
        self.values = list(values)
        self.calls = 0

    async def __call__(self) -> int:
        self.calls += 1
        return self.values[min(self.calls, len(self.values)) - 1]


def subscribers(bus: memory.MemoryBus) -> list[tuple[str, str | None]]:
    return bus._router.keys()


async def test_renders_now_and_after_every_message(bus: memory.MemoryBus) -> None:
    render = Counter(1, 2, 3)
    view = bus.follow(SUBJECT, render)
    assert await asyncio.wait_for(anext(view), TIMEOUT) == 1
    assert subscribers(bus) == [(SUBJECT, None)]
    await bus.publish(SUBJECT, b"")
    assert await asyncio.wait_for(anext(view), TIMEOUT) == 2
    await bus.publish("meshery.test.other", b"")  # another subject does not wake it
    await bus.publish(SUBJECT, b"")
    assert await asyncio.wait_for(anext(view), TIMEOUT) == 3
    assert render.calls == 3
    await view.aclose()
    assert subscribers(bus) == []


async def test_changes_only_skips_an_unchanged_value(bus: memory.MemoryBus) -> None:
    render = Counter(1, 1, 2)
    view = bus.follow(SUBJECT, render, changes_only=True)
    assert await asyncio.wait_for(anext(view), TIMEOUT) == 1
    await bus.publish(SUBJECT, b"")  # renders 1 again: not yielded
    await bus.publish(SUBJECT, b"")  # renders 2
    assert await asyncio.wait_for(anext(view), TIMEOUT) == 2
    assert render.calls == 3
    await view.aclose()


async def test_every_renders_again_without_a_message(bus: memory.MemoryBus) -> None:
    render = Counter(1, 2)
    view = bus.follow(SUBJECT, render, every=0.01)
    assert await asyncio.wait_for(anext(view), TIMEOUT) == 1
    assert await asyncio.wait_for(anext(view), TIMEOUT) == 2
    await view.aclose()
    assert subscribers(bus) == []


async def test_ends_when_the_bus_stops(bus: memory.MemoryBus) -> None:
    render = Counter(1)
    view = bus.follow(SUBJECT, render, every=60.0)
    assert await asyncio.wait_for(anext(view), TIMEOUT) == 1
    async def next_value() -> int:
        return await anext(view)

    waiting = asyncio.create_task(next_value())
    await asyncio.sleep(0)
    await bus.stop()
    with pytest.raises(StopAsyncIteration):
        await asyncio.wait_for(waiting, TIMEOUT)
    assert render.calls == 1


async def test_a_failing_render_removes_the_subscription(bus: memory.MemoryBus) -> None:
    async def broken() -> int:
        raise RuntimeError("render failed")

    view = bus.follow(SUBJECT, broken)
    with pytest.raises(RuntimeError):
        await asyncio.wait_for(anext(view), TIMEOUT)
    assert subscribers(bus) == []
