"""The outbound telemetry request: URL checks, credentials, deadline, size limit, uniform errors."""

from __future__ import annotations

import pytest

from generated import errors
from meshery.telemetry import fetch
from tests.telemetry import fakes


@pytest.mark.parametrize("raw", ["", "ftp://host", "prometheus:9090", "http://", "http://host:notaport", "//host"])
def test_base_url_refuses(raw: str) -> None:
    with pytest.raises(errors.ErrTelemetryUrlInvalid):
        fetch.base_url(raw)


def test_base_url_keeps_a_path_and_drops_the_rest() -> None:
    assert fetch.base_url(" http://h:9090/prom/?x=1#y ") == "http://h:9090/prom"


def test_authorization() -> None:
    assert fetch.authorization("  ") is None
    assert fetch.authorization("key") == "Bearer key"
    assert fetch.authorization("u:p") == "Basic dTpw"


async def test_fetch_and_its_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    with fakes.serve("prometheus") as prom:
        target = fetch.Target(prom.url)
        data = await fetch.get_json(target, "/api/v1/labels", params={"match[]": "up"})
        assert data["data"] == ["__name__", "job"]
        with pytest.raises(errors.ErrTelemetryStatus) as missing:
            await fetch.get_json(target, "/nothing")
        assert fakes.LEAK not in missing.value.message and "answered 404" in missing.value.message
        prom.big = 2000
        with pytest.raises(errors.ErrTelemetryAnswer):
            await fetch.fetch(target, "/api/v1/labels", limit=1000)
        prom.big = 0
        prom.delay = 0.5
        with pytest.raises(errors.ErrTelemetryUnreachable):
            await fetch.fetch(target, "/api/v1/labels", deadline=0.1)
        prom.delay = 0.0
    with pytest.raises(errors.ErrTelemetryUnreachable):
        await fetch.fetch(target, "/api/v1/labels")
    with fakes.serve("grafana", key="k") as graf:
        with pytest.raises(errors.ErrTelemetryAuth):
            await fetch.get_json(fetch.Target(graf.url, "Bearer wrong"), "/api/health")
        assert await fetch.get_json(fetch.Target(graf.url, "Bearer k"), "/api/health")
