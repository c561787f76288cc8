"""A loopback target shared by the load generator tests of a module (its own loop in a thread)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from meshery.perf.target import TargetServer


@pytest.fixture(scope="module")
def target() -> Iterator[TargetServer]:
    with TargetServer.in_thread() as server:
        yield server


@pytest.fixture
def fresh(target: TargetServer) -> TargetServer:
    """The shared target with its records cleared."""
    target.state.reset()
    return target
