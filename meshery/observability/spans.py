"""Spans made cheaply on the request path and handed to an exporter in batches.

The SDK's own ``Span`` costs tens of microseconds to start and end (locks, bounded
attribute maps, a span processor chain, self-metrics), about as much as a whole trivial
request. ``Span`` here records the same facts with plain attribute stores: random ids from
``random.getrandbits``, ``time.time_ns`` stamps, a dict of attributes; its ``SpanContext``
is built only when somebody asks. It implements OpenTelemetry's ``trace.Span`` API (what the
server's code calls) and is an SDK ``ReadableSpan`` (what exporters read), so every SDK
exporter (OTLP/HTTP, console, in-memory) takes it as it is, without a copy.

``Pipeline`` is what a tracer provider plus a ``BatchSpanProcessor`` would be: the resource,
the sampler, and a queue of finished spans that a background thread exports in batches of
up to ``max_batch`` every ``delay`` seconds (sooner when a batch is full); ``flush`` exports
what is queued at once, ``shutdown`` (also at interpreter exit) flushes and stops the
thread. ``batch=False`` exports each span as it ends.
"""

from __future__ import annotations

import atexit
import logging
import threading
import traceback
from collections import deque
from collections.abc import Mapping, Sequence
from itertools import repeat
from operator import call
from random import getrandbits
from time import time_ns
from types import MappingProxyType
from typing import TypeVar

from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import Event, ReadableSpan
from opentelemetry.sdk.trace.export import SpanExporter
from opentelemetry.sdk.trace.sampling import DEFAULT_ON, Sampler
from opentelemetry.sdk.util.instrumentation import InstrumentationScope
from opentelemetry.trace import Link, SpanContext, SpanKind, Status, StatusCode, TraceFlags, TraceState
from opentelemetry.util import types

log = logging.getLogger(__name__)

SAMPLED = TraceFlags(TraceFlags.SAMPLED)
NOT_SAMPLED = TraceFlags(TraceFlags.DEFAULT)
UNSET = Status(StatusCode.UNSET)
EMPTY_STATE = TraceState()
MAX_BATCH = 512
DELAY_S = 5.0
MAX_QUEUE = 2048
NO_RESOURCE = Resource.get_empty()

AttributeValue = str | bool | int | float
NO_ATTRIBUTES: Mapping[str, AttributeValue] = MappingProxyType({})


class Span(trace.Span, ReadableSpan):
    """One span: the API the server writes to, and the ``ReadableSpan`` exporters read.

    ``new`` makes one without a Python ``__init__`` frame; fields most spans never change
    (kind, trace state, status, events, links, no attributes) are read from the class until a
    span sets its own, and resource and scope are read from the pipeline when an exporter asks.
    """

    pipeline: Pipeline | None  # None: not sampled, nothing recorded, context still propagated
    _name = ""  # the request span is named when it ends
    trace_id: int
    span_id: int
    _up: SpanContext | Span | None = None  # the parent: remote (its context) or local (the span itself)
    _start_time: int
    _kind = SpanKind.INTERNAL
    trace_state = EMPTY_STATE
    _ctx: SpanContext | None = None
    _end_time: int | None = None
    _status = UNSET
    _events: list[Event] | tuple[()] = ()
    _links: tuple[Link, ...] = ()
    _instrumentation_info = None
    _attributes: Mapping[str, AttributeValue] = NO_ATTRIBUTES  # replaced by a dict of its own when set

    def __init__(self) -> None:  # pragma: no cover (spans are made by ``new``)
        raise TypeError("spans are made by meshery.observability.spans.new")

    @property
    def _resource(self) -> Resource:  # type: ignore[override]
        return self.pipeline.resource if self.pipeline is not None else NO_RESOURCE

    @property
    def _instrumentation_scope(self) -> InstrumentationScope | None:  # type: ignore[override]
        return self.pipeline.scope if self.pipeline is not None else None

    @property
    def _context(self) -> SpanContext:  # type: ignore[override]
        return self.context

    @property
    def _parent(self) -> SpanContext | None:  # type: ignore[override]
        up = self._up
        return up.context if isinstance(up, Span) else up

    @property
    def context(self) -> SpanContext:
        found = self._ctx
        if found is None:
            flags = NOT_SAMPLED if self.pipeline is None else SAMPLED
            found = self._ctx = SpanContext(self.trace_id, self.span_id, False, flags, self.trace_state)
        return found

    def get_span_context(self) -> SpanContext:
        return self.context

    def traceparent(self) -> str:
        return f"00-{self.trace_id:032x}-{self.span_id:016x}-{'01' if self.pipeline is not None else '00'}"

    def is_recording(self) -> bool:
        return self.pipeline is not None and self._end_time is None

    def _own_attributes(self) -> dict[str, AttributeValue]:
        found = self._attributes
        if not isinstance(found, dict):  # none yet (the class's), or a caller's mapping
            found = self._attributes = dict(found)
        return found

    def set_attributes(self, attributes: Mapping[str, AttributeValue]) -> None:
        if self.pipeline is not None and self._end_time is None:
            self._own_attributes().update(attributes)

    def set_attribute(self, key: str, value: AttributeValue) -> None:
        if self.pipeline is not None and self._end_time is None:
            self._own_attributes()[key] = value

    def add_event(self, name: str, attributes: types.Attributes = None, timestamp: int | None = None) -> None:
        if self.pipeline is None or self._end_time is not None:
            return
        if not self._events:
            self._events = []
        assert isinstance(self._events, list)
        self._events.append(Event(name, attributes or {}, timestamp or time_ns()))

    def add_link(self, context: SpanContext, attributes: types.Attributes = None) -> None:
        if self.pipeline is not None and self._end_time is None and context.is_valid:
            self._links = (*self._links, Link(context, attributes))

    def update_name(self, name: str) -> None:
        if self._end_time is None:
            self._name = name

    def set_status(self, status: Status | StatusCode, description: str | None = None) -> None:
        if self._end_time is not None:
            return
        found = status if isinstance(status, Status) else Status(status, description)
        if self._status.status_code is StatusCode.OK and found.status_code is not StatusCode.OK:
            return  # OK is final, as in the SDK
        self._status = found

    def record_exception(
        self,
        exception: BaseException,
        attributes: types.Attributes = None,
        timestamp: int | None = None,
        escaped: bool = False,
    ) -> None:
        found: dict[str, AttributeValue] = {
            "exception.type": type(exception).__qualname__,
            "exception.message": str(exception),
            "exception.stacktrace": "".join(traceback.format_exception(exception)),
            "exception.escaped": str(escaped),
        }
        if attributes:
            found.update(attributes)
        self.add_event("exception", found, timestamp)

    def end(self, end_time: int | None = None) -> None:
        if self._end_time is not None:
            return
        self._end_time = end_time or time_ns()
        if self.pipeline is not None:
            self.pipeline.finished(self)


_new = object.__new__
S = TypeVar("S", bound=Span)


def lay_out(cls: type, names: tuple[str, ...]) -> None:
    """Give ``cls``'s instances room for every attribute in ``names`` from the start.

    CPython 3.11 shares one key table among the instances of a class, and lets a new key into
    it only while few instances exist; an attribute first set after that (``_end_time`` once
    thousands of spans were made, ``_ctx`` when an exporter reads contexts) turns every
    instance that sets it into an object with a dict of its own: slower to fill and to collect.
    """
    first: object = _new(cls)
    for name in names:
        setattr(first, name, None)


SPAN_FIELDS = (
    "pipeline", "_name", "trace_id", "span_id", "_up", "_start_time", "_kind", "_attributes", "_end_time",
    "trace_state", "_ctx", "_status", "_events", "_links",
)  # fmt: skip
"""Every attribute a span may set on itself (a subclass lays these out too, plus its own)."""
lay_out(Span, SPAN_FIELDS)


def new(
    pipeline: Pipeline | None,
    name: str,
    trace_id: int,
    parent: SpanContext | Span | None,
    cls: type[S] = Span,  # type: ignore[assignment]  # the default is the bound itself
) -> S:
    """A started span of kind INTERNAL with no attributes (set ``_kind``, ``_attributes`` after).

    ``parent`` is a remote parent's context or the local parent span (whose context is built
    only when an exporter reads the child's ``parent``). ``cls`` is ``Span`` or a subclass
    (the request middleware's span that is also its record of the request).
    """
    span: S = _new(cls)
    span.pipeline = pipeline
    span._name = name
    span.trace_id = trace_id
    span.span_id = getrandbits(64) or 1
    span._up = parent
    span._start_time = time_ns()
    return span


class Pipeline:
    """Resource, sampler and exporter of the traced process; batches finished spans."""

    def __init__(
        self,
        exporter: SpanExporter | None,
        *,
        resource: Resource | None = None,
        sampler: Sampler | None = None,
        scope: str = "meshery-server",
        batch: bool = True,
        max_batch: int = MAX_BATCH,
        delay: float = DELAY_S,
        max_queue: int = MAX_QUEUE,
    ) -> None:
        self.exporter = exporter
        self.resource = resource if resource is not None else Resource.create({})
        self.sampler: Sampler = sampler if sampler is not None else DEFAULT_ON
        # The default sampler keeps every trace and follows a remote parent's flag: decided here
        # without a call per span. Any other sampler is asked for each new trace.
        self.always = bool(self.sampler.get_description() == DEFAULT_ON.get_description())  # type: ignore[no-untyped-call]
        self.scope = InstrumentationScope(scope)
        self.max_batch, self.delay, self.max_queue = max_batch, delay, max_queue
        self.dropped = 0
        self._queue: deque[Span] = deque()
        self._export_lock = threading.Lock()
        self._wake = threading.Event()
        self._stopped = False
        self._thread: threading.Thread | None = None
        self.batch = batch
        # ``finished`` appends, then looks further only at this length: a full batch, a full
        # queue, or (unbatched, or nothing to export to) at once.
        self._check_at = min(max_batch, max_queue + 1) if batch and exporter is not None else 1
        if batch and exporter is not None:
            self._thread = threading.Thread(target=self._worker, name="meshery-span-export", daemon=True)
            self._thread.start()
        if exporter is not None:
            atexit.register(self.shutdown)  # what is queued at exit is exported (as the SDK's provider does)

    def sample(self, trace_id: int, name: str, kind: SpanKind, parent: SpanContext | None) -> bool:
        """Whether a span with no local parent (``parent`` remote or None) records."""
        if self.always:
            return parent is None or parent.trace_flags.sampled
        context = trace.set_span_in_context(trace.NonRecordingSpan(parent)) if parent is not None else None
        decision = self.sampler.should_sample(context, trace_id, name, kind).decision
        return bool(decision.is_sampled())  # type: ignore[no-untyped-call]

    def finished(self, span: Span) -> None:
        """A span ended: queued for the next batch (exported now when not batching)."""
        queue = self._queue
        queue.append(span)
        if len(queue) >= self._check_at:
            self._full()

    def _full(self) -> None:
        """The queue holds a batch (the worker is woken) or more than it may (the newest is dropped)."""
        queue = self._queue
        if self.exporter is None:
            queue.clear()
            return
        if not self.batch:
            with self._export_lock:
                self._drain()
            return
        if len(queue) > self.max_queue:
            queue.pop()
            self.dropped += 1
        if len(queue) >= self.max_batch and not self._wake.is_set():
            self._wake.set()

    def _export(self, batch: Sequence[Span]) -> None:
        if self.exporter is None or not batch:
            return
        try:
            self.exporter.export(batch)
        except Exception:  # an exporter's failure must not reach the request that ended the span
            log.exception("exporting %d spans failed", len(batch))

    def _drain(self) -> None:
        """Export everything queued, in batches (callers hold the export lock)."""
        queue, size = self._queue, self.max_batch
        while queue:
            # Taken in C: only this (locked) drain takes from the left; ``finished`` only ever
            # takes back the span it has just added, so the queue holds at least ``len`` spans.
            self._export(list(map(call, repeat(queue.popleft, min(len(queue), size)))))

    def _worker(self) -> None:
        while not self._stopped:
            self._wake.wait(self.delay)
            self._wake.clear()
            with self._export_lock:
                self._drain()

    def flush(self, timeout_millis: int = 30000) -> bool:
        """Export what is queued now; False when the exporter did not finish in time."""
        with self._export_lock:
            self._drain()
        if self.exporter is None:
            return True
        return bool(self.exporter.force_flush(timeout_millis))

    def shutdown(self) -> None:
        """Export what is queued, stop the batch thread, shut the exporter down (once)."""
        if self._stopped:
            return
        atexit.unregister(self.shutdown)
        self._stopped = True
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=self.delay + 5)
        with self._export_lock:
            self._drain()
        if self.exporter is not None:
            self.exporter.shutdown()
