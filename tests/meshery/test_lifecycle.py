"""Start-up creates the Kubernetes runtime as a field of Services, starts it and stops it."""

from __future__ import annotations

from pathlib import Path

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
