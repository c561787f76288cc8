"""Start-up creates the Kubernetes runtime as a field of Services, starts it and stops it."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from generated import errors
from meshery import lifecycle
from meshery.meshsync.manager import KubeRuntime
from tests.fixtures.app import app_settings


async def test_the_kube_runtime_is_a_field_created_and_started_at_start_up(tmp_path: Path) -> None:
    services = await lifecycle.start_services(app_settings(user_data_folder=tmp_path / "meshery"))
    try:
        kube = services.kube
        assert isinstance(kube, KubeRuntime) and kube.services is services
        assert kube.started  # the database answered at start-up, so the runtime runs
        assert services.kube is kube  # one runtime, not one per use
    finally:
        await lifecycle.stop_services(services)
    assert not kube.started


async def test_drain_fails_readiness_ends_event_streams_and_the_stop_is_bounded(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from meshery.events import stream
    from meshery.system import ready

    services = await lifecycle.start_services(
        app_settings(user_data_folder=tmp_path / "meshery", shutdown_grace_period=0.2)
    )
    try:
        listener = await stream.hub_for(services).open(user_id=None, kind="sse")
        assert await ready(services) and not services.draining
        lifecycle.begin_drain(services)
        assert services.draining
        assert await lifecycle.close_streams(services) == 1
        assert listener.closed
        with pytest.raises(stream.StreamClosed):
            await listener.next()
        assert await lifecycle.close_streams(services) == 0  # nothing left open

        # A part that does not stop within the grace period is cancelled, and the rest still stops.
        stopped = asyncio.Event()

        async def stuck() -> None:
            try:
                await asyncio.Event().wait()
            finally:
                stopped.set()

        original = services.kube.stop

        async def slow_stop() -> None:
            await asyncio.sleep(30)

        services.kube.stop = slow_stop  # type: ignore[method-assign]
        services.background.append(asyncio.create_task(stuck()))
    finally:
        await lifecycle.stop_services(services)
    assert stopped.is_set()
    assert errors.ErrShutdownIncomplete.code in caplog.text
    await original()
    assert not services.kube.started
