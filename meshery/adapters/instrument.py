"""Trace context on adapter gRPC calls: a client span per unary call, ``traceparent`` in the metadata.

``interceptors`` gives the channel its interceptors when tracing is on at the time the channel
is made (adapter clients live as long as their watch, which starts with the server), and
none otherwise, so an untraced server's calls go straight to gRPC. Event streams carry the
trace context too; they get no span of their own (they last for minutes).
"""

from __future__ import annotations

from typing import Any

import grpc.aio
from opentelemetry.trace import SpanKind

from meshery.observability import tracing


def _with_context(details: grpc.aio.ClientCallDetails) -> grpc.aio.ClientCallDetails:
    metadata = grpc.aio.Metadata(*(details.metadata or ()))
    for key, value in (tracing.inject({}) or {}).items():
        metadata.add(key, value)
    return grpc.aio.ClientCallDetails(
        details.method, details.timeout, metadata, details.credentials, details.wait_for_ready
    )


def _method(details: grpc.aio.ClientCallDetails) -> str:
    method = details.method
    return (method.decode() if isinstance(method, bytes) else str(method)).lstrip("/")


class UnaryTracing(grpc.aio.UnaryUnaryClientInterceptor):  # type: ignore[misc]
    """A client span around each unary call, its context sent along."""

    def __init__(self, target: str) -> None:
        self.target = target

    async def intercept_unary_unary(self, continuation: Any, client_call_details: Any, request: Any) -> Any:
        method = _method(client_call_details)
        service, _, name = method.rpartition("/")
        attributes = {"rpc.system": "grpc", "rpc.service": service, "rpc.method": name, "server.address": self.target}
        with tracing.span(f"grpc {method}", kind=SpanKind.CLIENT, attributes=attributes):
            call = await continuation(_with_context(client_call_details), request)
            await call  # the span ends with the answer (or the error, recorded on it)
            return call


class StreamContext(grpc.aio.UnaryStreamClientInterceptor):  # type: ignore[misc]
    """The trace context on server-streaming calls (StreamEvents)."""

    async def intercept_unary_stream(self, continuation: Any, client_call_details: Any, request: Any) -> Any:
        return await continuation(_with_context(client_call_details), request)


def interceptors(target: str) -> list[grpc.aio.ClientInterceptor] | None:
    """The interceptors of a new channel to ``target``: tracing ones while tracing is on, else none."""
    if not tracing.ON:
        return None
    return [UnaryTracing(target), StreamContext()]
