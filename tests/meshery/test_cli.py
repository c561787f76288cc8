"""``meshery-server healthcheck [live|ready]``: the container image's probe of the local server."""

from __future__ import annotations

import pytest

from meshery import cli
from tests.fixtures.server import ServerProcess, free_port


def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["healthcheck", "sideways"]) == 2
    assert cli.main(["healthcheck", "live", "extra"]) == 2
    assert cli.main(["--no-such-flag"]) == 2
    assert "usage" in capsys.readouterr().err


def test_a_port_nobody_listens_on_is_unhealthy(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PORT", str(free_port()))
    assert cli.main(["healthcheck"]) == 1
    monkeypatch.setenv("PORT", "not-a-port")
    assert cli.main(["healthcheck", "ready"]) == 2


def test_live_and_ready_of_a_running_server(
    server_factory: type[ServerProcess], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    server = server_factory()
    server.start()
    monkeypatch.setenv("PORT", str(server.port))
    assert cli.main(["healthcheck", "live"]) == 0
    assert cli.main(["healthcheck", "ready"]) == 0
    assert f"http://127.0.0.1:{server.port}/healthz/ready: 200" in capsys.readouterr().out
