"""The process's tracer and the few calls the rest of the server makes to trace.

Off (the default), ``span`` hands back one shared do-nothing context manager and
``inject``/``consumed`` return at once: the hooks in the request path, the store, the bus,
the Kubernetes and adapter clients cost a function call and a global read. ``install``
turns tracing on with an SDK ``TracerProvider`` (``setup`` builds one from ``OTEL_CONFIG``;
tests and the benchmark install one with an in-memory exporter); ``uninstall`` turns it off.

The provider is kept here rather than set as OpenTelemetry's global one, which can be set
only once per process: tests and benchmarks switch tracing on and off. Parenting uses
OpenTelemetry's context (a context variable), so a span started while another is current
becomes its child across ``await``. Trace context crosses processes as W3C ``traceparent``
(and ``tracestate``) in NATS message headers and gRPC metadata.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from typing import Any

from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.trace import SpanKind, Tracer
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

SCOPE = "meshery-server"
TRACEPARENT = "traceparent"

ON = False
"""True while a provider is installed; every hook reads it first."""

_tracer: Tracer | None = None
_provider: TracerProvider | None = None
_propagator = TraceContextTextMapPropagator()
_NOOP: contextlib.nullcontext[None] = contextlib.nullcontext()

AttributeValue = str | bool | int | float
Attributes = Mapping[str, AttributeValue]


def install(provider: TracerProvider) -> None:
    """Trace from now on with ``provider`` (replacing, and shutting down, the one before)."""
    global ON, _tracer, _provider
    previous = _provider
    _provider, _tracer, ON = provider, provider.get_tracer(SCOPE), True
    if previous is not None and previous is not provider:
        previous.shutdown()


def uninstall() -> None:
    """Stop tracing; spans still buffered are exported first."""
    global ON, _tracer, _provider
    provider = _provider
    _provider, _tracer, ON = None, None, False
    if provider is not None:
        provider.shutdown()


def flush(timeout_millis: int = 5000) -> None:
    """Export what the batch processor still holds (at shutdown)."""
    if _provider is not None:
        _provider.force_flush(timeout_millis)


def span(
    name: str, *, kind: SpanKind = SpanKind.INTERNAL, attributes: Attributes | None = None
) -> contextlib.AbstractContextManager[Any]:
    """A span around a block, current inside it (exceptions are recorded); a no-op when off."""
    tracer = _tracer
    if tracer is None:
        return _NOOP
    return tracer.start_as_current_span(name, kind=kind, attributes=attributes)


def start(
    name: str,
    *,
    kind: SpanKind = SpanKind.INTERNAL,
    attributes: Attributes | None = None,
    parent: otel_context.Context | None = None,
) -> trace.Span | None:
    """A span the caller ends itself (child of ``parent``, else of the current span); None when off."""
    tracer = _tracer
    if tracer is None:
        return None
    return tracer.start_span(name, context=parent, kind=kind, attributes=attributes)


def inject(headers: Mapping[str, str] | None) -> dict[str, str] | None:
    """``headers`` with the current trace context added (a copy); unchanged when off or outside a span."""
    if _tracer is None:
        return dict(headers) if headers is not None else None
    carrier = dict(headers or {})
    _propagator.inject(carrier)
    return carrier or None


def extract(headers: Mapping[str, str] | None) -> otel_context.Context | None:
    """The remote parent carried by ``headers`` (None when they carry none)."""
    if not headers or TRACEPARENT not in headers:
        return None
    return _propagator.extract(headers)


def consumed(subject: str, headers: Mapping[str, str] | None, *, queue: str | None = None) -> None:
    """Record that a message on ``subject`` was taken from a subscription.

    The span is a child of the publisher's span when the message carries a ``traceparent``
    (so a trace shows the hop across replicas), else the start of a new trace.
    """
    tracer = _tracer
    if tracer is None:
        return
    attributes: dict[str, AttributeValue] = {
        "messaging.system": "nats",
        "messaging.destination.name": subject,
        "messaging.operation.type": "receive",
    }
    if queue:
        attributes["messaging.consumer.group.name"] = queue
    tracer.start_span(
        f"receive {subject}", kind=SpanKind.CONSUMER, attributes=attributes, context=extract(headers)
    ).end()


def current_ids() -> tuple[str, str] | None:
    """(trace id, span id) in hex of the current span, for log lines; None outside a recording span."""
    if _tracer is None:
        return None
    ctx = trace.get_current_span().get_span_context()
    if not ctx.is_valid:
        return None
    return format(ctx.trace_id, "032x"), format(ctx.span_id, "016x")
