"""gRPC client of one adapter: either generation of the meshes protocol, deadlines on every call.

An adapter built on current upstream code serves ``meshes.AdapterService``; one built on older
code serves ``meshes.MeshService`` (same messages, ``MeshName``/``MeshVersions`` instead of
``AdapterName``/``AdapterVersions``). ``connect`` asks the current service first and falls back
to the legacy one when the adapter answers UNIMPLEMENTED; later calls use the service found.
Every call carries a deadline; failures become the exceptions below, never raw gRPC errors.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import grpc
import grpc.aio

from generated.meshes import meshops_pb2 as pb
from generated.meshes import meshops_pb2_grpc as pb_grpc
from meshery.adapter_address import Location
from meshery.adapters import instrument

CURRENT = "AdapterService"
LEGACY = "MeshService"

INFO_TIMEOUT = 5.0
APPLY_TIMEOUT = 60.0
#: A stream is re-opened when its deadline passes, so a silent peer is noticed at most this late.
STREAM_TIMEOUT = 300.0

# Reconnect quickly after an adapter restarts; gRPC's defaults wait up to two minutes.
CHANNEL_OPTIONS: list[tuple[str, Any]] = [
    ("grpc.initial_reconnect_backoff_ms", 200),
    ("grpc.min_reconnect_backoff_ms", 200),
    ("grpc.max_reconnect_backoff_ms", 2000),
    ("grpc.enable_retries", 0),
]


class AdapterError(Exception):
    """Base of the client's errors; ``detail`` says what the adapter or the channel reported."""

    def __init__(self, location: str, detail: str) -> None:
        super().__init__(f"adapter {location}: {detail}")
        self.location = location
        self.detail = detail


class AdapterUnavailable(AdapterError):
    """The adapter cannot be reached or did not answer in time."""


class AdapterProtocolError(AdapterError):
    """The peer speaks gRPC but serves neither meshes.AdapterService nor meshes.MeshService."""


class StreamExpired(AdapterError):
    """An event stream reached its deadline; the adapter may well be fine (open a new one)."""


class AdapterCallFailed(AdapterError):
    """The adapter answered an rpc with an error status (``code``) or an error message."""

    def __init__(self, location: str, detail: str, code: str = "UNKNOWN") -> None:
        super().__init__(location, detail)
        self.code = code


@dataclass(frozen=True, slots=True)
class Operation:
    key: str
    value: str
    category: int


@dataclass(frozen=True, slots=True)
class AdapterInfo:
    """What an adapter says about itself."""

    name: str
    version: str
    versions: list[str]
    git_commit_sha: str
    service: str
    operations: list[Operation] = field(default_factory=list)


_UNAVAILABLE = {grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED, grpc.StatusCode.CANCELLED}


class AdapterClient:
    """One channel to one adapter. Cheap to create; ``close`` when done."""

    def __init__(self, location: Location, *, info_timeout: float = INFO_TIMEOUT) -> None:
        self.location = location
        self.name = f"{location.host}:{location.port}"
        self.info_timeout = info_timeout
        self.channel = grpc.aio.insecure_channel(
            location.target, options=CHANNEL_OPTIONS, interceptors=instrument.interceptors(location.target)
        )
        self._current = pb_grpc.AdapterServiceStub(self.channel)  # type: ignore[no-untyped-call]
        self._legacy = pb_grpc.MeshServiceStub(self.channel)  # type: ignore[no-untyped-call]
        self.service: str | None = None

    async def close(self) -> None:
        await self.channel.close(grace=None)

    def _error(self, exc: grpc.aio.AioRpcError) -> AdapterError:
        detail = f"{exc.code().name}: {exc.details() or ''}".rstrip(": ")
        if exc.code() in _UNAVAILABLE:
            return AdapterUnavailable(self.name, detail)
        return AdapterCallFailed(self.name, detail, exc.code().name)

    @property
    def _stub(self) -> Any:
        return self._legacy if self.service == LEGACY else self._current

    async def connect(self) -> str:
        """Find which service the adapter serves and return its name (AdapterName / MeshName)."""
        try:
            reply = await self._current.AdapterName(pb.AdapterNameRequest(), timeout=self.info_timeout)
            self.service = CURRENT
            return str(reply.name)
        except grpc.aio.AioRpcError as exc:
            if exc.code() != grpc.StatusCode.UNIMPLEMENTED:
                raise self._error(exc) from None
        try:
            legacy = await self._legacy.MeshName(pb.MeshNameRequest(), timeout=self.info_timeout)
        except grpc.aio.AioRpcError as exc:
            if exc.code() == grpc.StatusCode.UNIMPLEMENTED:
                raise AdapterProtocolError(
                    self.name, "serves neither meshes.AdapterService nor meshes.MeshService"
                ) from None
            raise self._error(exc) from None
        self.service = LEGACY
        return str(legacy.name)

    async def _unary(self, method: str, request: Any, deadline: float) -> Any:
        if self.service is None:
            await self.connect()
        try:
            return await getattr(self._stub, method)(request, timeout=deadline)
        except grpc.aio.AioRpcError as exc:
            raise self._error(exc) from None

    async def versions(self) -> list[str]:
        if self.service is None:
            await self.connect()
        if self.service == LEGACY:
            reply = await self._unary("MeshVersions", pb.MeshVersionsRequest(), self.info_timeout)
        else:
            reply = await self._unary("AdapterVersions", pb.AdapterVersionsRequest(), self.info_timeout)
        return list(reply.version)

    async def operations(self) -> list[Operation]:
        reply = await self._unary("SupportedOperations", pb.SupportedOperationsRequest(), self.info_timeout)
        if reply.error:
            raise AdapterCallFailed(self.name, f"SupportedOperations: {reply.error}")
        return [Operation(op.key, op.value, int(op.category)) for op in reply.ops]

    async def component_info(self) -> pb.ComponentInfoResponse:
        reply: pb.ComponentInfoResponse = await self._unary(
            "ComponentInfo", pb.ComponentInfoRequest(), self.info_timeout
        )
        return reply

    async def describe(self) -> AdapterInfo:
        """Name, versions, build and operations in one go (what the tracker keeps)."""
        name = await self.connect()
        versions, operations = await asyncio.gather(self.versions(), self.operations())
        try:
            info = await self.component_info()
            name = info.name or name
            version, sha = info.version, info.git_sha
        except AdapterCallFailed:  # ComponentInfo is optional for older adapters
            version, sha = "", ""
        return AdapterInfo(
            name=name,
            version=version or (versions[0] if versions else ""),
            versions=versions,
            git_commit_sha=sha,
            service=self.service or CURRENT,
            operations=operations,
        )

    async def ping(self) -> str:
        """The adapter's name, asked with a deadline (upstream pings with MeshName)."""
        return await self.connect()

    async def apply(self, request: pb.ApplyRuleRequest, *, deadline: float = APPLY_TIMEOUT) -> pb.ApplyRuleResponse:
        reply: pb.ApplyRuleResponse = await self._unary("ApplyOperation", request, deadline)
        if reply.error:
            raise AdapterCallFailed(self.name, reply.error, "ADAPTER_ERROR")
        return reply

    async def events(self, *, deadline: float = STREAM_TIMEOUT) -> AsyncIterator[pb.EventsResponse]:
        """The adapter's event stream until the adapter ends it; StreamExpired after ``deadline`` seconds."""
        if self.service is None:
            await self.connect()
        call = self._stub.StreamEvents(pb.EventsRequest(), timeout=deadline)
        try:
            async for event in call:
                yield event
        except grpc.aio.AioRpcError as exc:
            if exc.code() == grpc.StatusCode.DEADLINE_EXCEEDED:
                raise StreamExpired(self.name, "the event stream reached its deadline") from None
            raise self._error(exc) from None
        finally:
            call.cancel()
