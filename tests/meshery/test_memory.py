"""Handing freed memory back (``meshery.memory``)."""

from __future__ import annotations

import asyncio
import gc
import sys
import weakref

import pytest

from meshery import memory


class Holder:
    """A cycle holding a large value, as an exception's traceback holds a refused body."""

    def __init__(self) -> None:
        self.me = self
        self.body = b"x" * (8 * 1024 * 1024)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's allocator")
def test_tune_and_trim_on_glibc() -> None:
    assert memory.tune() is True
    assert isinstance(memory.trim(), bool)


def test_trim_collects_garbage_cycles() -> None:
    gc.disable()
    try:
        held = Holder()
        ref = weakref.ref(held)
        del held
        assert ref() is not None  # only the cycle collector frees it
        memory.trim()
        assert ref() is None
    finally:
        gc.enable()


async def test_trim_soon_runs_once_for_a_burst() -> None:
    memory.trim_soon()
    first = memory._Trims.pending
    memory.trim_soon()
    assert memory._Trims.pending is first and first is not None
    await asyncio.wait_for(first, 5)
    assert memory._Trims.last > 0
