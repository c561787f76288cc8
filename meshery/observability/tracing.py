"""The process's tracing switch, its spans, and trace context over message headers.

Off (the default), ``span`` hands back one shared do-nothing context manager and
``start``/``inject``/``consumed`` return at once: the hooks in the request path, the store,
the bus, the Kubernetes and adapter clients cost a function call and a global read.
``install`` turns tracing on with a ``spans.Pipeline`` (resource, sampler, exporter;
``setup`` builds one from ``OTEL_CONFIG``, tests and the benchmark install one with the
SDK's in-memory exporter); ``uninstall`` turns it off after exporting what is queued.

Spans are ``spans.Span`` objects (cheap to make, read by every SDK exporter as they are),
not the SDK tracer's: see that module for why. The current span is kept in this module's
own context variable, so a span started while another is current becomes its child across
``await`` and in SQLAlchemy's greenlets; a child of a local parent follows its parent's
sampling decision, a new trace (or one continued from a remote parent) asks the sampler.
Trace context crosses processes as W3C ``traceparent`` (and ``tracestate``) in NATS
message headers and gRPC metadata.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterable, Mapping
from random import getrandbits
from time import time_ns
from types import TracebackType
from typing import Any

from opentelemetry import trace
from opentelemetry.trace import SpanContext, SpanKind, Status, StatusCode
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

from meshery.observability.spans import EMPTY_STATE, AttributeValue, Pipeline, S, Span, new

TRACEPARENT = "traceparent"
TRACESTATE = "tracestate"
TRACEPARENT_KEY = b"traceparent"
SPAN_ID_MASK = (1 << 64) - 1
_new = object.__new__

ON = False
"""True while a pipeline is installed; every hook reads it first."""

_pipeline: Pipeline | None = None
CURRENT: contextvars.ContextVar[Span | None] = contextvars.ContextVar("meshery_span", default=None)
"""The current span (set and reset by ``activate``/``deactivate``, or directly on hot paths)."""
_current = CURRENT
_propagator = TraceContextTextMapPropagator()
_NOOP: contextlib.nullcontext[None] = contextlib.nullcontext()

Attributes = Mapping[str, AttributeValue]
Token = contextvars.Token[Span | None]


def install(pipeline: Pipeline) -> None:
    """Trace from now on into ``pipeline`` (replacing, and shutting down, the one before)."""
    global ON, _pipeline
    previous = _pipeline
    _pipeline, ON = pipeline, True
    if previous is not None and previous is not pipeline:
        previous.shutdown()


def uninstall() -> None:
    """Stop tracing; spans still queued are exported first."""
    global ON, _pipeline
    pipeline = _pipeline
    _pipeline, ON = None, False
    if pipeline is not None:
        pipeline.shutdown()


def flush(timeout_millis: int = 5000) -> None:
    """Export what the pipeline still holds (at shutdown; tests before they read spans)."""
    if _pipeline is not None:
        _pipeline.flush(timeout_millis)


def start(
    name: str,
    *,
    kind: SpanKind = SpanKind.INTERNAL,
    attributes: Attributes | None = None,
    parent: SpanContext | None = None,
    cls: type[S] = Span,  # type: ignore[assignment]  # the default is the bound itself
) -> S | None:
    """A span the caller ends itself (child of the remote ``parent``, else of the current span); None when off.

    ``attributes`` is kept as it is given (not copied): pass a mapping of the span's own.
    ``cls`` makes a ``Span`` subclass (the request middleware's).
    """
    pipeline = _pipeline
    if pipeline is None:
        return None
    if parent is None:
        local = _current.get()
        if local is not None:
            found = new(local.pipeline, name, local.trace_id, local, cls)
            if local.trace_state is not EMPTY_STATE:
                found.trace_state = local.trace_state
        else:
            trace_id = getrandbits(128) or 1
            found = new(pipeline if pipeline.sample(trace_id, name, kind, None) else None, name, trace_id, None, cls)
    else:
        sampled = pipeline.sample(parent.trace_id, name, kind, parent)
        found = new(pipeline if sampled else None, name, parent.trace_id, parent, cls)
        if parent.trace_state:
            found.trace_state = parent.trace_state
    if kind is not SpanKind.INTERNAL:
        found._kind = kind
    if attributes:
        found._attributes = attributes
    return found


def request(method: str, headers: Iterable[tuple[bytes, bytes]], cls: type[S]) -> S | None:
    """The SERVER span of an HTTP request (``headers`` as ASGI gives them), a ``cls``; None when off.

    Unnamed until the caller names it; part of the client's trace when the headers carry a
    valid ``traceparent``, else the root of a new trace. Never the child of the current local
    span: at the request's start that can only be another request's (the server starts a
    pipelined request's task from inside its predecessor's answer, in that task's context).
    """
    pipeline = _pipeline
    if pipeline is None:
        return None
    for key, _value in headers:  # (a loop costs less than a search in C for a few headers)
        if key == TRACEPARENT_KEY:
            parent = extract(_carried(headers))
            if parent is not None:
                return start(f"{method} other", kind=SpanKind.SERVER, parent=parent, cls=cls)
            break
    ids = getrandbits(192)
    found: S = _new(cls)
    found.trace_id = (ids >> 64) or 1
    found.span_id = (ids & SPAN_ID_MASK) or 1
    if pipeline.always or pipeline.sample(found.trace_id, f"{method} other", SpanKind.SERVER, None):
        found.pipeline = pipeline
    else:
        found.pipeline = None
    found._kind = SpanKind.SERVER
    found._start_time = time_ns()
    return found


def _carried(headers: Iterable[tuple[bytes, bytes]]) -> dict[str, str]:
    found = {}
    for key, value in headers:
        if key in (b"traceparent", b"tracestate"):
            found[key.decode("latin-1")] = value.decode("latin-1")
    return found


class _Current:
    """``span``'s context manager: the span current inside the block, ended after it."""

    __slots__ = ("span", "token")

    def __init__(self, span: Span) -> None:
        self.span = span
        self.token: Token | None = None

    def __enter__(self) -> Span:
        self.token = _current.set(self.span)
        return self.span

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, _tb: TracebackType | None) -> None:
        if exc is not None:
            self.span.record_exception(exc, escaped=True)
            self.span.set_status(Status(StatusCode.ERROR, f"{type(exc).__name__}: {exc}"))
        if self.token is not None:
            _current.reset(self.token)
        self.span.end()


def span(
    name: str, *, kind: SpanKind = SpanKind.INTERNAL, attributes: Attributes | None = None
) -> contextlib.AbstractContextManager[Any]:
    """A span around a block, current inside it (exceptions are recorded); a no-op when off."""
    found = start(name, kind=kind, attributes=attributes)
    if found is None:
        return _NOOP
    return _Current(found)


def activate(found: Span) -> Token:
    """Make ``found`` the current span (until ``deactivate`` with the token returned)."""
    return _current.set(found)


def deactivate(token: Token) -> None:
    _current.reset(token)


def inject(headers: Mapping[str, str] | None) -> dict[str, str] | None:
    """``headers`` with the current trace context added (a copy); unchanged when off or outside a span."""
    current = _current.get() if _pipeline is not None else None
    if current is None:
        return dict(headers) if headers is not None else None
    carrier = dict(headers or {})
    carrier[TRACEPARENT] = current.traceparent()
    if current.trace_state:
        carrier[TRACESTATE] = current.trace_state.to_header()
    return carrier


def extract(headers: Mapping[str, str] | None) -> SpanContext | None:
    """The remote parent carried by ``headers`` (None when they carry none, or none valid)."""
    if not headers or TRACEPARENT not in headers:
        return None
    found = trace.get_current_span(_propagator.extract(headers)).get_span_context()
    return found if found.is_valid else None


def consumed(subject: str, headers: Mapping[str, str] | None, *, queue: str | None = None) -> None:
    """Record that a message on ``subject`` was taken from a subscription.

    The span is a child of the publisher's span when the message carries a ``traceparent``
    (so a trace shows the hop across replicas), else the start of a new trace.
    """
    if _pipeline is None:
        return
    attributes: dict[str, AttributeValue] = {
        "messaging.system": "nats",
        "messaging.destination.name": subject,
        "messaging.operation.type": "receive",
    }
    if queue:
        attributes["messaging.consumer.group.name"] = queue
    found = start(f"receive {subject}", kind=SpanKind.CONSUMER, attributes=attributes, parent=extract(headers))
    if found is not None:
        found.end()


def current_ids() -> tuple[str, str] | None:
    """(trace id, span id) in hex of the current span, for log lines; None outside a span."""
    if _pipeline is None:
        return None
    current = _current.get()
    if current is None:
        return None
    return format(current.trace_id, "032x"), format(current.span_id, "016x")
