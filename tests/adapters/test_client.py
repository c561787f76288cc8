"""The client against real gRPC servers: both service generations, a foreign service, no server."""

from __future__ import annotations

import time

import grpc.aio
import pytest

from generated.meshes import meshops_pb2 as pb
from meshery import adapter_address as address
from meshery.adapters.client import (
    CURRENT,
    LEGACY,
    AdapterCallFailed,
    AdapterClient,
    AdapterProtocolError,
    AdapterUnavailable,
    StreamExpired,
)
from meshery.adapters.sample import server as sample
from tests.adapters.conftest import AdapterFactory, RunningAdapter
from tests.fixtures.server import free_port


async def test_describe_under_each_service_name(sample_adapter: RunningAdapter) -> None:
    client = AdapterClient(address.parse(sample_adapter.location))
    try:
        info = await client.describe()
    finally:
        await client.close()
    assert info.service == (CURRENT if sample_adapter.service == "AdapterService" else LEGACY)
    assert (info.name, info.version, info.git_commit_sha) == (sample.NAME, sample.VERSION, sample.GIT_SHA)
    assert info.versions == [sample.VERSION]
    assert {op.key for op in info.operations} == {op.key for op in sample.OPERATIONS}
    assert {op.category for op in info.operations} == {1, 2, 3, 4}


async def test_apply_unknown_operation_is_a_call_failure(sample_adapter: RunningAdapter) -> None:
    client = AdapterClient(address.parse(sample_adapter.location))
    try:
        with pytest.raises(AdapterCallFailed) as caught:
            await client.apply(pb.ApplyRuleRequest(opName="nope"))
    finally:
        await client.close()
    assert caught.value.code == "INVALID_ARGUMENT"
    assert "nope" in caught.value.detail


async def test_a_server_without_either_service_is_a_protocol_error() -> None:
    foreign = grpc.aio.server()
    port = foreign.add_insecure_port("127.0.0.1:0")
    await foreign.start()
    client = AdapterClient(address.parse(f"127.0.0.1:{port}"))
    try:
        with pytest.raises(AdapterProtocolError, match="neither"):
            await client.connect()
    finally:
        await client.close()
        await foreign.stop(0)


async def test_nothing_listening_fails_fast_as_unavailable() -> None:
    client = AdapterClient(address.parse(f"127.0.0.1:{free_port()}"), info_timeout=3)
    started = time.monotonic()
    try:
        with pytest.raises(AdapterUnavailable):
            await client.describe()
    finally:
        await client.close()
    assert time.monotonic() - started < 3  # refused at once, not left to the deadline


async def test_events_stream_reaches_its_deadline(start_adapter: AdapterFactory) -> None:
    running = await start_adapter()
    client = AdapterClient(address.parse(running.location))
    try:
        with pytest.raises(StreamExpired):
            async for _ in client.events(deadline=0.2):
                pass
    finally:
        await client.close()


async def test_provision_applies_declarations(sample_adapter: RunningAdapter) -> None:
    """Provision (the rpc the server does not call yet) reports through the event stream too."""
    from generated.meshes import meshops_pb2_grpc as pb_grpc

    async with grpc.aio.insecure_channel(f"127.0.0.1:{sample_adapter.port}") as channel:
        stub = (pb_grpc.AdapterServiceStub if sample_adapter.service == "AdapterService" else pb_grpc.MeshServiceStub)(
            channel
        )
        events = stub.StreamEvents(pb.EventsRequest(), timeout=5)
        await sample_adapter.subscribed()
        reply = await stub.Provision(pb.ProvisionRequest(declarations=["kind: ConfigMap"]), timeout=5)
        assert "provisioning 1 declaration(s)" in reply.message
        event = await anext(aiter(events))
        events.cancel()
    assert event.event_type == pb.ERROR  # no kubeconfig was given
    assert "no Kubernetes context" in event.details
