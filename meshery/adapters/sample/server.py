"""The sample adapter's gRPC service: every rpc of both generations, operations run in the background.

``ApplyOperation`` checks the request, answers at once with the operation id, and runs the work
in a task that reports progress as ``EventsResponse`` messages to every open ``StreamEvents``
call (the way upstream adapters report). A failure becomes an ``ERROR`` event carrying an error
code, details, probable cause and remediation.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import grpc
import grpc.aio
import httpx

from generated.meshes import meshops_pb2 as pb
from generated.meshes import meshops_pb2_grpc as pb_grpc
from meshery.adapters.sample import kube, manifests

log = logging.getLogger(__name__)

NAME = "meshery-sample"
VERSION = "v0.1.0"
GIT_SHA = "sample"
COMPONENT = "adapter"
COMPONENT_NAME = "sample"
SUBSCRIBER_QUEUE = 1024

OPERATIONS = [
    pb.SupportedOperation(key="sample_app_install", value="Sample application (ConfigMap, Deployment, Service)",
                          category=pb.SAMPLE_APPLICATION),
    pb.SupportedOperation(key="custom", value="Apply a custom manifest", category=pb.CUSTOM),
    pb.SupportedOperation(key="validate_clusters", value="Check that every given cluster answers",
                          category=pb.VALIDATE),
    pb.SupportedOperation(key="echo", value="Echo: one event carrying the custom body", category=pb.CONFIGURE),
]
ERR_APPLY = "meshery-sample-1001"
ERR_KUBECONFIG = "meshery-sample-1002"


class EventHub:
    """Fans every event out to the open StreamEvents calls (slow subscribers lose the oldest).

    While nobody listens, events wait in a bounded backlog that the next subscriber receives
    first (as upstream adapters buffer them in a channel), so an operation started just as
    the server reconnects is not lost.
    """

    def __init__(self) -> None:
        self._subscribers: set[asyncio.Queue[pb.EventsResponse | None]] = set()
        self._backlog: collections.deque[pb.EventsResponse] = collections.deque(maxlen=SUBSCRIBER_QUEUE)
        self.published = 0

    def publish(self, event: pb.EventsResponse) -> None:
        self.published += 1
        if not self._subscribers:
            self._backlog.append(event)
        for queue in list(self._subscribers):
            if queue.full():
                with contextlib.suppress(asyncio.QueueEmpty):
                    queue.get_nowait()
            queue.put_nowait(event)

    @property
    def subscribers(self) -> int:
        return len(self._subscribers)

    def close(self) -> None:
        """End every open stream (the adapter is shutting down)."""
        for queue in list(self._subscribers):
            if queue.full():
                with contextlib.suppress(asyncio.QueueEmpty):
                    queue.get_nowait()
            queue.put_nowait(None)

    async def stream(self) -> AsyncIterator[pb.EventsResponse]:
        queue: asyncio.Queue[pb.EventsResponse | None] = asyncio.Queue(SUBSCRIBER_QUEUE)
        while self._backlog:
            queue.put_nowait(self._backlog.popleft())
        self._subscribers.add(queue)
        try:
            while (event := await queue.get()) is not None:
                yield event
        finally:
            self._subscribers.discard(queue)


def _event(kind: Any, summary: str, operation_id: str, **fields: str) -> pb.EventsResponse:
    return pb.EventsResponse(
        event_type=kind, summary=summary, operation_id=operation_id,
        component=COMPONENT, component_name=COMPONENT_NAME, **fields,
    )


class SampleAdapter:
    """Implements both services' rpcs; register it with either ``add_*Servicer_to_server``."""

    def __init__(self) -> None:
        self.hub = EventHub()
        self._work: set[asyncio.Task[None]] = set()

    # --- identity ------------------------------------------------------------------------

    async def AdapterName(self, request: Any, context: grpc.aio.ServicerContext) -> pb.AdapterNameResponse:
        return pb.AdapterNameResponse(name=NAME)

    async def MeshName(self, request: Any, context: grpc.aio.ServicerContext) -> pb.MeshNameResponse:
        return pb.MeshNameResponse(name=NAME)

    async def AdapterVersions(self, request: Any, context: grpc.aio.ServicerContext) -> pb.AdapterVersionsResponse:
        return pb.AdapterVersionsResponse(version=[VERSION])

    async def MeshVersions(self, request: Any, context: grpc.aio.ServicerContext) -> pb.MeshVersionsResponse:
        return pb.MeshVersionsResponse(version=[VERSION])

    async def ComponentInfo(self, request: Any, context: grpc.aio.ServicerContext) -> pb.ComponentInfoResponse:
        return pb.ComponentInfoResponse(
            type="adapter", name=NAME, version=VERSION, git_sha=GIT_SHA, properties={"language": "python"}
        )

    async def SupportedOperations(
        self, request: Any, context: grpc.aio.ServicerContext
    ) -> pb.SupportedOperationsResponse:
        return pb.SupportedOperationsResponse(ops=OPERATIONS)

    async def StreamEvents(self, request: Any, context: grpc.aio.ServicerContext) -> AsyncIterator[pb.EventsResponse]:
        async for event in self.hub.stream():
            yield event

    # --- operations ------------------------------------------------------------------------

    async def ApplyOperation(
        self, request: pb.ApplyRuleRequest, context: grpc.aio.ServicerContext
    ) -> pb.ApplyRuleResponse:
        operation_id = request.operation_id or str(uuid.uuid4())
        runners: dict[str, Callable[[pb.ApplyRuleRequest, str], Awaitable[None]]] = {
            "sample_app_install": self._sample_app,
            "custom": self._custom,
            "validate_clusters": self._validate,
            "echo": self._echo,
        }
        runner = runners.get(request.opName)
        if runner is None:
            await context.abort(grpc.StatusCode.INVALID_ARGUMENT, f"unknown operation {request.opName!r}")
        assert runner is not None
        self._spawn(self._guard(runner, request, operation_id))
        return pb.ApplyRuleResponse(operation_id=operation_id)

    async def Provision(
        self, request: pb.ProvisionRequest, context: grpc.aio.ServicerContext
    ) -> pb.ProvisionResponse:
        operation_id = str(uuid.uuid4())
        rule = pb.ApplyRuleRequest(
            opName="custom", namespace="default", custom_body="\n---\n".join(request.declarations),
            delete_op=request.delete_op, kube_configs=request.kube_configs, operation_id=operation_id,
        )
        self._spawn(self._guard(self._custom, rule, operation_id))
        count = len(request.declarations)
        return pb.ProvisionResponse(message=f"provisioning {count} declaration(s) as {operation_id}")

    def _spawn(self, coro: Awaitable[None]) -> None:
        task = asyncio.ensure_future(coro)
        self._work.add(task)
        task.add_done_callback(self._work.discard)

    async def _guard(
        self, runner: Callable[[pb.ApplyRuleRequest, str], Awaitable[None]], request: pb.ApplyRuleRequest, op: str
    ) -> None:
        try:
            await runner(request, op)
        except kube.KubeError as exc:
            self.hub.publish(_event(
                pb.ERROR, f"Operation {request.opName} failed", op, details=str(exc), error_code=ERR_APPLY,
                probable_cause="The cluster refused the request or could not be reached.",
                suggested_remediation="Check the Kubernetes context and the manifest, then run the operation again.",
            ))
        except Exception as exc:  # an adapter must report, never crash, on a bad operation
            log.exception("operation %s failed", op)
            self.hub.publish(_event(pb.ERROR, f"Operation {request.opName} failed", op, details=str(exc),
                                    error_code=ERR_APPLY, probable_cause="Unexpected adapter error.",
                                    suggested_remediation="See the sample adapter's log."))

    def _clusters(self, request: pb.ApplyRuleRequest, op: str) -> list[kube.Cluster]:
        if not request.kube_configs:
            raise kube.KubeError("no Kubernetes context was given with the operation")
        clusters = []
        for text in request.kube_configs:
            try:
                clusters.append(kube.Cluster.from_kubeconfig(text))
            except kube.KubeError as exc:
                self.hub.publish(_event(
                    pb.ERROR, "Unusable kubeconfig", op, details=str(exc), error_code=ERR_KUBECONFIG,
                    probable_cause="The kubeconfig sent with the operation cannot be read.",
                    suggested_remediation="Upload a valid kubeconfig for the context.",
                ))
        return clusters

    async def _apply_objects(self, request: pb.ApplyRuleRequest, op: str, objects: list[dict[str, Any]],
                             what: str) -> None:
        namespace = request.namespace or "default"
        for cluster in self._clusters(request, op):
            verb = "Removing" if request.delete_op else "Installing"
            self.hub.publish(_event(pb.INFO, f"{verb} {what} in context {cluster.context}", op))
            async with cluster.client() as http:
                if request.delete_op:
                    for obj in reversed(objects):
                        if obj.get("kind") == "Namespace" and what.startswith("sample"):
                            continue  # the namespace may hold more than the sample
                        await cluster.delete(http, dict(obj), namespace)
                else:
                    for obj in objects:
                        await cluster.apply(http, dict(obj), namespace)
            done = "removed from" if request.delete_op else "deployed to"
            self.hub.publish(_event(pb.INFO, f"{what.capitalize()} {done} context {cluster.context}", op,
                                    details=f"{len(objects)} object(s) in namespace {namespace}"))

    async def _sample_app(self, request: pb.ApplyRuleRequest, op: str) -> None:
        objects = manifests.sample_application(request.namespace or "default")
        await self._apply_objects(request, op, objects, "sample application")

    async def _custom(self, request: pb.ApplyRuleRequest, op: str) -> None:
        objects = kube.load_manifests(request.custom_body)
        if not objects:
            raise kube.KubeError("the custom body holds no manifest")
        await self._apply_objects(request, op, objects, "custom manifest")

    async def _validate(self, request: pb.ApplyRuleRequest, op: str) -> None:
        for cluster in self._clusters(request, op):
            async with cluster.client() as http:
                try:
                    version = await cluster.version(http)
                except httpx.HTTPError as exc:
                    raise kube.KubeError(f"{cluster.context}: {exc}") from None
            self.hub.publish(_event(pb.INFO, f"Context {cluster.context} answers (Kubernetes {version})", op))

    async def _echo(self, request: pb.ApplyRuleRequest, op: str) -> None:
        self.hub.publish(_event(pb.INFO, "Echo", op, details=request.custom_body))

    async def drain(self) -> None:
        for task in list(self._work):
            task.cancel()
        for task in list(self._work):
            with contextlib.suppress(asyncio.CancelledError):
                await task


SERVICES = ("AdapterService", "MeshService")


async def start(
    port: int, *, service: str = "AdapterService", host: str = "127.0.0.1"
) -> tuple[grpc.aio.Server, SampleAdapter, int]:
    """Start the server; returns it, the servicer and the bound port (``port=0`` picks one)."""
    if service not in SERVICES:
        raise ValueError(f"service must be one of {', '.join(SERVICES)}")
    adapter = SampleAdapter()
    server = grpc.aio.server()
    if service == "AdapterService":
        pb_grpc.add_AdapterServiceServicer_to_server(adapter, server)  # type: ignore[no-untyped-call]
    else:
        pb_grpc.add_MeshServiceServicer_to_server(adapter, server)  # type: ignore[no-untyped-call]
    bound = server.add_insecure_port(f"{host}:{port}")
    if bound == 0:
        raise OSError(f"cannot listen on {host}:{port}")
    await server.start()
    return server, adapter, bound


async def stop(server: grpc.aio.Server, adapter: SampleAdapter, grace: float = 0.5) -> None:
    """Finish: cancel running operations, end open event streams, then stop serving."""
    await adapter.drain()
    adapter.hub.close()
    await asyncio.sleep(0.05)  # let the stream handlers return before the server cancels them
    await server.stop(grace)
