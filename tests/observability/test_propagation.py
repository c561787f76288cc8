"""Trace context across processes: in NATS message headers between two buses (replicas) on a
real nats-server, and in the gRPC metadata of adapter calls to a gRPC server this test runs."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import grpc.aio
import pytest
from opentelemetry.trace import SpanKind

from generated.meshes import meshops_pb2 as pb
from generated.meshes import meshops_pb2_grpc as pb_grpc
from meshery.adapter_address import parse
from meshery.adapters.client import AdapterClient
from meshery.bus.memory import MemoryBus
from meshery.bus.nats import NatsBus
from meshery.observability import tracing
from tests.fixtures.nats import NatsServer
from tests.observability.conftest import Spans

TIMEOUT = 10.0


def traceparent_ids(value: str) -> tuple[str, str]:
    _version, trace_id, span_id, _flags = value.split("-")
    return trace_id, span_id


@pytest.mark.nats
async def test_nats_headers_carry_the_trace_between_replicas(spans: Spans, nats_server: NatsServer) -> None:
    nats_server.start()
    publisher = NatsBus(url=nats_server.url, name="replica-a", reconnect_wait=0.05)
    consumer = NatsBus(url=nats_server.url, name="replica-b", reconnect_wait=0.05)
    await publisher.start()
    await consumer.start()
    try:
        subscription = await consumer.subscribe("meshery-server.events")
        with tracing.span("handler") as parent:
            await publisher.publish("meshery-server.events", b"{}", headers={"kept": "yes"})
        message = await asyncio.wait_for(anext(subscription), TIMEOUT)
    finally:
        await publisher.stop()
        await consumer.stop()
    assert message.headers is not None and message.headers["kept"] == "yes"
    trace_id, span_id = traceparent_ids(message.headers["traceparent"])
    publish = spans.one("publish meshery-server.events")
    receive = spans.one("receive meshery-server.events")
    assert publish.kind is SpanKind.PRODUCER and receive.kind is SpanKind.CONSUMER
    assert publish.parent is not None and publish.parent.span_id == parent.get_span_context().span_id
    assert publish.context is not None and receive.parent is not None
    assert trace_id == format(publish.context.trace_id, "032x")
    assert span_id == format(publish.context.span_id, "016x")
    assert receive.parent.span_id == publish.context.span_id


async def test_in_process_bus_carries_the_trace_too(spans: Spans) -> None:
    bus = MemoryBus(name="local")
    await bus.start()
    try:
        subscription = await bus.subscribe("meshery.designs.changed")
        await bus.publish("meshery.designs.changed", b"{}")
        message = await asyncio.wait_for(anext(subscription), TIMEOUT)
    finally:
        await bus.stop()
    assert message.headers is not None and "traceparent" in message.headers
    receive = spans.one("receive meshery.designs.changed")
    assert receive.parent is not None
    assert receive.parent.span_id == spans.one("publish meshery.designs.changed").context.span_id  # type: ignore[union-attr]


class RecordingAdapter(pb_grpc.AdapterServiceServicer):  # type: ignore[misc]
    """Answers AdapterName and keeps the metadata of every call."""

    def __init__(self) -> None:
        self.metadata: list[dict[str, str]] = []

    async def AdapterName(
        self, request: pb.AdapterNameRequest, context: grpc.aio.ServicerContext
    ) -> pb.AdapterNameResponse:
        self.metadata.append({k: v for k, v in context.invocation_metadata() if isinstance(v, str)})
        return pb.AdapterNameResponse(name="recording")


@pytest.fixture
async def adapter() -> AsyncIterator[tuple[RecordingAdapter, int]]:
    server = grpc.aio.server()
    servicer = RecordingAdapter()
    pb_grpc.add_AdapterServiceServicer_to_server(servicer, server)
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    try:
        yield servicer, port
    finally:
        await server.stop(None)


async def test_grpc_metadata_carries_the_trace(spans: Spans, adapter: tuple[RecordingAdapter, int]) -> None:
    servicer, port = adapter
    client = AdapterClient(parse(f"127.0.0.1:{port}"))
    try:
        with tracing.span("adapter operation"):
            assert await client.connect() == "recording"
    finally:
        await client.close()
    call = spans.one("grpc meshes.AdapterService/AdapterName")
    assert call.kind is SpanKind.CLIENT
    assert call.attributes is not None and call.attributes["rpc.method"] == "AdapterName"
    (metadata,) = servicer.metadata
    trace_id, span_id = traceparent_ids(metadata["traceparent"])
    assert call.context is not None
    assert trace_id == format(call.context.trace_id, "032x")
    assert span_id == format(call.context.span_id, "016x")


async def test_grpc_calls_without_tracing_carry_nothing(adapter: tuple[RecordingAdapter, int]) -> None:
    servicer, port = adapter
    client = AdapterClient(parse(f"127.0.0.1:{port}"))
    try:
        assert await client.connect() == "recording"
    finally:
        await client.close()
    assert "traceparent" not in servicer.metadata[0]
