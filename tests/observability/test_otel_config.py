"""``OTEL_CONFIG`` as upstream writes it (YAML text, ``\\n`` escaped) or as a file, and its checks."""

from __future__ import annotations

from pathlib import Path

import pytest

from meshery.config import ConfigError, Settings
from meshery.observability import otel_config

UPSTREAM = (
    "service_name: meshery\\nservice_version: v0.8.0\\nenvironment: production\\nendpoint: otel:4318\\ninsecure: true"
)


def test_upstream_document_with_escaped_newlines() -> None:
    config = otel_config.parse(UPSTREAM)
    assert config.service_name == "meshery"
    assert config.service_version == "v0.8.0"
    assert config.environment == "production"
    assert config.endpoint == "http://otel:4318/v1/traces"
    assert config.insecure is True
    assert config.exporter == "otlp"
    assert config.sampling is None


def test_file_with_our_keys(tmp_path: Path) -> None:
    path = tmp_path / "otel.yaml"
    path.write_text(
        "endpoint: https://collector.example:4318/custom/path\nsampling: 0.25\nexporter: console\n"
        "headers: {x-api-key: secret}\n"
    )
    config = otel_config.parse(str(path))
    assert config.endpoint == "https://collector.example:4318/custom/path"
    assert config.sampling == 0.25
    assert config.exporter == "console"
    assert dict(config.headers) == {"x-api-key": "secret"}


def test_scheme_less_endpoint_is_https_unless_insecure() -> None:
    assert otel_config.parse("endpoint: collector:4318").endpoint == "https://collector:4318/v1/traces"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("endpoint: [1, 2]\nbogus: 1", "unknown key"),
        ("sampling: 2", "sampling"),
        ("sampling: true", "sampling"),
        ("exporter: zipkin", "exporter"),
        ("insecure: maybe", "insecure"),
        ("endpoint: 'ftp://x'", "endpoint"),
        ("- a: 1", "mapping"),
        ("headers: [a]", "headers"),
        ("/no/such/otel.yaml", "no such file"),
        ("key: [unclosed", "not YAML"),
    ],
)
def test_bad_values_are_refused(value: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        otel_config.parse(value)


def test_wanted_follows_the_standard_variables() -> None:
    assert otel_config.wanted(otel_config="", traces_exporter="", sdk_disabled=False) is None
    assert otel_config.wanted(otel_config="", traces_exporter="none", sdk_disabled=False) is None
    found = otel_config.wanted(otel_config="", traces_exporter="otlp", sdk_disabled=False)
    assert found is not None and found.exporter == "otlp" and found.endpoint is None
    assert otel_config.wanted(otel_config=UPSTREAM, traces_exporter="", sdk_disabled=True) is None


def test_settings_refuse_an_unusable_otel_config_naming_the_variable() -> None:
    with pytest.raises(ConfigError) as caught:
        Settings.from_env({"OTEL_CONFIG": "exporter: zipkin"})
    assert caught.value.variable == "OTEL_CONFIG"
    assert caught.value.code == "meshery-server-1011"


def test_settings_of_metrics_logs_and_switches() -> None:
    settings = Settings.from_env(
        {"METRICS_ACCESS": "Session", "LOG_FORMAT": "json", "OTEL_TRACES_EXPORTER": "console", "OTEL_SDK_DISABLED": "1"}
    )
    assert (settings.metrics_access, settings.log_format) == ("session", "json")
    assert (settings.otel_traces_exporter, settings.otel_sdk_disabled) == ("console", True)
    assert Settings.from_env({}).metrics_access == "public"
    for name, value in (("METRICS_ACCESS", "private"), ("LOG_FORMAT", "xml"), ("OTEL_TRACES_EXPORTER", "jaeger")):
        with pytest.raises(ConfigError) as caught:
            Settings.from_env({name: value})
        assert caught.value.variable == name
