"""Every environment variable: defaults, parsing and one clear error per bad value."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pytest

from generated import errors
from meshery.config import ConfigError, Settings


def test_defaults() -> None:
    s = Settings.from_env({})
    assert s.port == 9081
    assert s.debug is False
    assert s.register_static_k8s is True
    assert s.skip_comp_gen is False and s.disable_operator is False and s.playground is False
    assert s.database_url == "" and s.nats_url == ""
    assert s.user_data_folder == Path("~/.meshery/config").expanduser()
    assert s.sqlite_path.parent == s.user_data_folder
    assert s.effective_log_level == logging.INFO


def test_every_variable_is_read(tmp_path: Path) -> None:
    env = {
        "PORT": "9999",
        "DEBUG": "true",
        "LOG_LEVEL": "5",
        "PROVIDER": "Meshery",
        "PROVIDER_BASE_URLS": "https://a.example, http://b.example:9876",
        "ADAPTER_URLS": "localhost:10000 localhost:10001,localhost:10002",
        "KEYS_PATH": str(tmp_path / "keys.csv"),
        "SKIP_COMP_GEN": "yes",
        "DISABLE_OPERATOR": "1",
        "PLAYGROUND": "TRUE",
        "REGISTER_STATIC_K8S": "false",
        "OTEL_CONFIG": "exporter: otlp",
        "DATABASE_URL": "postgres://u@db/meshery",
        "NATS_URL": "nats://127.0.0.1:4222",
        "USER_DATA_FOLDER": str(tmp_path),
        "MESHERY_MODELS_PATH": os.pathsep.join([str(tmp_path / "a"), str(tmp_path / "b")]),
    }
    s = Settings.from_env(env)
    assert s.port == 9999 and s.debug is True and s.log_level == "DEBUG"
    assert s.effective_log_level == logging.DEBUG
    assert s.provider == "Meshery"
    assert s.provider_base_urls == ("https://a.example", "http://b.example:9876")
    assert s.adapter_urls == ("localhost:10000", "localhost:10001", "localhost:10002")
    assert s.keys_path == tmp_path / "keys.csv"
    assert (s.skip_comp_gen, s.disable_operator, s.playground, s.register_static_k8s) == (True, True, True, False)
    assert s.otel_config == "exporter: otlp"
    assert s.database_url == "postgres://u@db/meshery"
    assert s.nats_url == "nats://127.0.0.1:4222"
    assert s.user_data_folder == tmp_path
    assert s.meshery_models_path == (tmp_path / "a", tmp_path / "b")


def test_debug_gives_debug_logs() -> None:
    assert Settings.from_env({"DEBUG": "true", "LOG_LEVEL": "error"}).effective_log_level == logging.DEBUG


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("PORT", "abc"),
        ("PORT", "70000"),
        ("DEBUG", "maybe"),
        ("LOG_LEVEL", "loud"),
        ("PROVIDER_BASE_URLS", "ftp://x"),
        ("DATABASE_URL", "mysql://x/y"),
        ("NATS_URL", "http://x"),
        ("REGISTER_STATIC_K8S", "2"),
        ("GRAPHQL_CACHE_SIZE", "-1"),
    ],
)
def test_invalid_value_names_the_variable(name: str, value: str) -> None:
    with pytest.raises(ConfigError) as caught:
        Settings.from_env({name: value})
    message = str(caught.value)
    assert name in message and repr(value) in message
    assert "\n" not in message
    assert caught.value.code == errors.ErrConfigInvalid.code


def test_blank_values_mean_default() -> None:
    assert Settings.from_env({"PORT": " ", "DEBUG": ""}).port == 9081


def test_shutdown_periods() -> None:
    assert (Settings().shutdown_grace_period, Settings().shutdown_drain_delay) == (25.0, 5.0)
    s = Settings.from_env({"SHUTDOWN_GRACE_PERIOD": "12.5", "SHUTDOWN_DRAIN_DELAY": "0"})
    assert (s.shutdown_grace_period, s.shutdown_drain_delay) == (12.5, 0.0)
    for name in ("SHUTDOWN_GRACE_PERIOD", "SHUTDOWN_DRAIN_DELAY"):
        for value in ("-1", "soon", "3601"):
            with pytest.raises(ConfigError, match=name):
                Settings.from_env({name: value})
