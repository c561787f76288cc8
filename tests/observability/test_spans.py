"""The light spans and their pipeline: batches, flush and shutdown, sampling, what exporters read."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.sdk.trace.sampling import ParentBased, TraceIdRatioBased
from opentelemetry.trace import SpanKind, StatusCode

from meshery.observability import tracing
from meshery.observability.spans import Pipeline

REMOTE_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
REMOTE_PARENT = "00f067aa0ba902b7"


@pytest.fixture
def exporter() -> Iterator[InMemorySpanExporter]:
    found = InMemorySpanExporter()
    yield found
    tracing.uninstall()


def test_spans_wait_in_the_queue_until_a_flush(exporter: InMemorySpanExporter) -> None:
    tracing.install(Pipeline(exporter, delay=3600))  # the batch thread would wait an hour
    for n in range(3):
        with tracing.span(f"work {n}"):
            pass
    assert exporter.get_finished_spans() == ()
    tracing.flush()
    assert [s.name for s in exporter.get_finished_spans()] == ["work 0", "work 1", "work 2"]


def test_shutdown_exports_what_is_queued_and_stops_the_thread(exporter: InMemorySpanExporter) -> None:
    pipeline = Pipeline(exporter, delay=3600)
    tracing.install(pipeline)
    with tracing.span("last"):
        pass
    tracing.uninstall()
    assert [s.name for s in exporter.get_finished_spans()] == ["last"]
    assert pipeline._thread is not None and not pipeline._thread.is_alive()
    pipeline.shutdown()  # twice is harmless


def test_a_full_queue_drops_spans_instead_of_growing(exporter: InMemorySpanExporter) -> None:
    pipeline = Pipeline(exporter, delay=3600, max_batch=1000, max_queue=2)
    tracing.install(pipeline)
    for _ in range(5):
        with tracing.span("many"):
            pass
    assert pipeline.dropped == 3
    tracing.flush()
    assert len(exporter.get_finished_spans()) == 2


def test_unbatched_pipeline_exports_each_span_as_it_ends(exporter: InMemorySpanExporter) -> None:
    tracing.install(Pipeline(exporter, batch=False))
    with tracing.span("at once"):
        pass
    assert [s.name for s in exporter.get_finished_spans()] == ["at once"]


def test_tree_status_exception_and_what_exporters_read(exporter: InMemorySpanExporter) -> None:
    tracing.install(Pipeline(exporter, resource=Resource.create({"service.name": "under-test"})))
    with pytest.raises(RuntimeError), tracing.span("outer", attributes={"a": 1}) as outer:
        inner = tracing.start("inner", kind=SpanKind.CLIENT)
        assert inner is not None
        inner.set_attribute("b", "two")
        inner.update_name("renamed")
        inner.end()
        inner.set_attribute("late", True)  # after end: ignored
        raise RuntimeError("boom")
    tracing.flush()
    by_name = {s.name: s for s in exporter.get_finished_spans()}
    parent, child = by_name["outer"], by_name["renamed"]
    assert parent.parent is None and child.parent is not None
    assert child.parent.span_id == outer.get_span_context().span_id
    assert child.context is not None and parent.context is not None
    assert child.context.trace_id == parent.context.trace_id and child.context.trace_flags.sampled
    assert dict(child.attributes or {}) == {"b": "two"} and child.kind is SpanKind.CLIENT
    assert parent.status.status_code is StatusCode.ERROR and parent.status.description == "RuntimeError: boom"
    (event,) = parent.events
    assert event.name == "exception" and event.attributes and event.attributes["exception.type"] == "RuntimeError"
    assert parent.start_time is not None and parent.end_time is not None and parent.start_time <= parent.end_time
    assert json.loads(parent.to_json())["resource"]["attributes"]["service.name"] == "under-test"
    encoded = encode_spans([parent, child])  # what the OTLP exporters send
    (resource_spans,) = encoded.resource_spans
    sent = {s.name: s for s in resource_spans.scope_spans[0].spans}
    assert sent["renamed"].parent_span_id == sent["outer"].span_id
    assert sent["outer"].trace_id.hex() == format(parent.context.trace_id, "032x")


def test_sampling_off_still_propagates_the_context(exporter: InMemorySpanExporter) -> None:
    tracing.install(Pipeline(exporter, sampler=ParentBased(TraceIdRatioBased(0))))
    with tracing.span("dropped") as span:
        assert not span.is_recording()
        headers = tracing.inject({})
        with tracing.span("child of dropped") as child:
            assert not child.is_recording()
    assert headers is not None and headers["traceparent"].endswith("-00")
    _version, trace_id, span_id, _flags = headers["traceparent"].split("-")
    assert trace_id == format(span.get_span_context().trace_id, "032x")
    assert span_id == format(span.get_span_context().span_id, "016x")
    # A client that sampled its trace is followed (parent-based), whatever the local ratio.
    remote = tracing.extract({"traceparent": f"00-{REMOTE_TRACE}-{REMOTE_PARENT}-01", "tracestate": "v=1"})
    kept = tracing.start("continued", parent=remote)
    assert kept is not None and kept.is_recording()
    token = tracing.activate(kept)
    try:
        carried = tracing.inject({"other": "x"})
    finally:
        tracing.deactivate(token)
    kept.end()
    assert carried is not None and carried["other"] == "x" and carried["tracestate"] == "v=1"
    assert carried["traceparent"].startswith(f"00-{REMOTE_TRACE}-") and carried["traceparent"].endswith("-01")
    tracing.flush()
    assert [s.name for s in exporter.get_finished_spans()] == ["continued"]


def test_bad_traceparent_starts_a_new_trace(exporter: InMemorySpanExporter) -> None:
    tracing.install(Pipeline(exporter))
    assert tracing.extract({"traceparent": "00-not-a-trace-01"}) is None
    assert tracing.extract({"other": "x"}) is None
    found = tracing.start("fresh", parent=tracing.extract({"traceparent": f"00-{'0' * 32}-{REMOTE_PARENT}-01"}))
    assert found is not None and found.parent is None
    found.end()


def test_what_a_span_reads_from_its_class_and_pipeline_until_set(exporter: InMemorySpanExporter) -> None:
    tracing.install(Pipeline(exporter, resource=Resource.create({"service.name": "layout"})))
    with tracing.span("bare") as bare:
        assert dict(bare.attributes or {}) == {} and bare.kind is SpanKind.INTERNAL
        bare.set_attribute("late", 1)  # the first attribute gives the span a dict of its own
    with tracing.span("other") as other:
        pass
    tracing.flush()
    assert dict(bare.attributes or {}) == {"late": 1} and dict(other.attributes or {}) == {}
    printed = json.loads(bare.to_json())  # the console exporter's view: context built when read
    assert printed["context"]["trace_id"] == f"0x{bare.get_span_context().trace_id:032x}"
    assert bare.resource.attributes["service.name"] == "layout" and bare.instrumentation_scope is not None
