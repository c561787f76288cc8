"""ADAPTER_URLS and ADAPTER_LOOPBACK_ONLY as the server reads them."""

from __future__ import annotations

import pytest

from meshery.config import ConfigError, Settings


def test_adapter_urls_are_split_and_checked() -> None:
    settings = Settings.from_env({"ADAPTER_URLS": "localhost:10000, meshery-istio:10000 10020"})
    assert settings.adapter_urls == ("localhost:10000", "meshery-istio:10000", "10020")
    assert Settings.from_env({"ADAPTER_LOOPBACK_ONLY": "true"}).adapter_loopback_only


@pytest.mark.parametrize("value", ["grpc://localhost:10000", "localhost", "localhost:0,localhost:1"])
def test_malformed_adapter_urls_stop_start_up(value: str) -> None:
    with pytest.raises(ConfigError) as caught:
        Settings.from_env({"ADAPTER_URLS": value})
    assert caught.value.variable == "ADAPTER_URLS"
    assert "host:port" in caught.value.message
