"""Start-up: the settings turned into a tracing pipeline, metrics on or off.

``configure`` is called once per app (``meshery.app.create_app``). Tracing is process-wide;
an app whose settings ask for none leaves an installed pipeline alone (tests install one
with an in-memory exporter before they build an app).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from typing import Protocol

from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import ConsoleSpanExporter, SpanExporter
from opentelemetry.sdk.trace.sampling import ParentBased, Sampler, TraceIdRatioBased

from generated import errors
from meshery.observability import metrics, otel_config, spans, tracing
from meshery.observability.spans import Pipeline

log = logging.getLogger(__name__)


class ObservedSettings(Protocol):
    """What ``configure`` reads of ``meshery.config.Settings``."""

    @property
    def otel_config(self) -> str: ...
    @property
    def otel_traces_exporter(self) -> str: ...
    @property
    def otel_sdk_disabled(self) -> bool: ...
    @property
    def metrics_access(self) -> str: ...
    @property
    def build(self) -> str: ...


def resource(config: otel_config.TraceConfig, *, version: str) -> Resource:
    """``service.*`` attributes: the file's, else ``OTEL_SERVICE_NAME``/``OTEL_RESOURCE_ATTRIBUTES``, else ours."""
    attributes: dict[str, str] = {"service.version": config.service_version or version}
    if config.service_name:
        attributes["service.name"] = config.service_name
    if config.environment:
        attributes["deployment.environment.name"] = config.environment
    found = Resource.create(attributes)
    if str(found.attributes.get("service.name", "")).startswith("unknown_service"):
        found = found.merge(Resource({"service.name": otel_config.DEFAULT_SERVICE}))
    return found


def exporter(config: otel_config.TraceConfig) -> SpanExporter | None:
    if config.exporter == "none":
        return None
    if config.exporter == "console":
        return ConsoleSpanExporter()
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

    return OTLPSpanExporter(endpoint=config.endpoint, headers=dict(config.headers) or None)


BATCH_VARIABLES = {  # the SDK's batch processor settings: variable, Pipeline argument, default, scale
    "OTEL_BSP_SCHEDULE_DELAY": ("delay", spans.DELAY_S, 0.001),
    "OTEL_BSP_MAX_EXPORT_BATCH_SIZE": ("max_batch", spans.MAX_BATCH, 1),
    "OTEL_BSP_MAX_QUEUE_SIZE": ("max_queue", spans.MAX_QUEUE, 1),
}


def batching(environ: Mapping[str, str] | None = None) -> dict[str, float]:
    """The ``OTEL_BSP_*`` batch settings as ``Pipeline`` arguments (a bad value keeps the default)."""
    found: dict[str, float] = {}
    for variable, (argument, default, scale) in BATCH_VARIABLES.items():
        text = (os.environ if environ is None else environ).get(variable, "").strip()
        try:
            value = int(text) * scale if text else default
        except ValueError:
            value = 0
        if value <= 0:
            log.warning("%s=%r: not a positive integer; using %s", variable, text, default)
            value = default
        found[argument] = value
    return found


def build_pipeline(config: otel_config.TraceConfig, *, version: str) -> Pipeline:
    """A pipeline for ``config``: its resource, sampler, and its exporter fed in batches."""
    sampler: Sampler
    if config.sampling is not None:
        sampler = ParentBased(TraceIdRatioBased(config.sampling))
    else:
        # OTEL_TRACES_SAMPLER (+ _ARG), read the SDK's way (by the provider it would trace with).
        sampler = TracerProvider(shutdown_on_exit=False).sampler
    settings = batching()
    return Pipeline(
        exporter(config),
        resource=resource(config, version=version),
        sampler=sampler,
        delay=settings["delay"],
        max_batch=int(settings["max_batch"]),
        max_queue=int(settings["max_queue"]),
    )


def configure(settings: ObservedSettings) -> None:
    """Metrics on unless ``METRICS_ACCESS=off``; tracing on when the settings ask for it."""
    metrics.enable(settings.metrics_access)
    config = otel_config.wanted(
        otel_config=settings.otel_config,
        traces_exporter=settings.otel_traces_exporter,
        sdk_disabled=settings.otel_sdk_disabled,
    )
    if config is None:
        if settings.otel_sdk_disabled and tracing.ON:
            tracing.uninstall()
        return
    try:
        pipeline = build_pipeline(config, version=settings.build)
    except (OSError, ValueError) as exc:
        err = errors.ErrTracingExport(f"{type(exc).__name__}: {exc}")
        log.error("%s: %s; serving without traces", err.code, err.message)
        return
    tracing.install(pipeline)
    log.info(
        "tracing on: exporter %s%s, sampling %s",
        config.exporter,
        f" to {config.endpoint}" if config.endpoint else "",
        "from OTEL_TRACES_SAMPLER (default: all)" if config.sampling is None else config.sampling,
    )
