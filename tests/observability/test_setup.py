"""Start-up: settings turned into a tracing pipeline (resource, sampler, exporter) and the metrics switch."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from opentelemetry.sdk.trace.export import ConsoleSpanExporter
from opentelemetry.sdk.trace.sampling import ParentBased

from meshery.config import Settings
from meshery.observability import metrics, otel_config, setup, tracing


@pytest.fixture(autouse=True)
def restore() -> Iterator[None]:
    yield
    tracing.uninstall()
    metrics.enable("public")


def test_resource_names_the_service_and_version() -> None:
    found = setup.resource(otel_config.parse("environment: staging"), version="v1.2.3")
    assert found.attributes["service.name"] == "meshery-server"
    assert found.attributes["service.version"] == "v1.2.3"
    assert found.attributes["deployment.environment.name"] == "staging"
    named = setup.resource(otel_config.parse("service_name: mine\nservice_version: v9"), version="v1.2.3")
    assert (named.attributes["service.name"], named.attributes["service.version"]) == ("mine", "v9")


def test_sampling_and_exporters() -> None:
    pipeline = setup.build_pipeline(otel_config.parse("sampling: 0.5\nexporter: none"), version="v1")
    assert isinstance(pipeline.sampler, ParentBased)
    assert "0.5" in pipeline.sampler.get_description()
    assert pipeline.exporter is None and not pipeline.always
    assert setup.exporter(otel_config.parse("exporter: none")) is None
    assert isinstance(setup.exporter(otel_config.parse("exporter: console")), ConsoleSpanExporter)
    pipeline.shutdown()


def test_configure_switches_tracing_and_metrics() -> None:
    setup.configure(Settings(otel_config="exporter: none", metrics_access="off"))
    assert tracing.ON and not metrics.ON and metrics.ACCESS == "off"
    setup.configure(Settings(metrics_access="session"))  # no tracing asked: an installed provider stays
    assert tracing.ON and metrics.ON and metrics.ACCESS == "session"
    setup.configure(Settings(otel_config="exporter: none", otel_sdk_disabled=True))
    assert not tracing.ON
    setup.configure(Settings(otel_traces_exporter="console"))
    assert tracing.ON


def test_batch_settings_from_the_sdk_variables() -> None:
    assert setup.batching({}) == {"delay": 5.0, "max_batch": 512, "max_queue": 2048}
    found = setup.batching({"OTEL_BSP_SCHEDULE_DELAY": "250", "OTEL_BSP_MAX_EXPORT_BATCH_SIZE": "x",
                            "OTEL_BSP_MAX_QUEUE_SIZE": "-3"})  # fmt: skip
    assert found == {"delay": 0.25, "max_batch": 512, "max_queue": 2048}
