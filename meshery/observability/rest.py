"""One span and one metrics sample per HTTP request, named by the operation that served it.

``Observer`` is an ASGI middleware in front of everything (``meshery.app``): it times each
request, reads the status its answer starts with, and counts open WebSockets and SSE
streams. The span is current while the request is served, so the statements, bus messages,
Kubernetes and adapter calls of its handler are its children; a ``traceparent`` the client
sent makes it part of the client's trace. ``matched`` (called by ``meshery.dispatch`` once it
knows the operation) names the span and the metrics by operationId; requests no operation
serves are named as the app tells (``graphql`` for its endpoint), else by method and ``other``
(404, 405).

With tracing and metrics both off the middleware passes requests straight through.
"""

from __future__ import annotations

import time
from typing import Any

from opentelemetry.trace import SpanKind, Status, StatusCode
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from meshery.observability import metrics, tracing
from meshery.observability.spans import Span

SLOT = "meshery.observed"
UNMATCHED = "other"
EVENT_STREAM = b"text/event-stream"


class Observed:
    """What is known of one request while it is served."""

    __slots__ = ("operation", "route", "span", "status", "stream")

    def __init__(self, span: Any) -> None:
        self.operation = UNMATCHED
        self.route = ""
        self.span = span
        self.status = 0
        self.stream = False


def matched(scope: Scope, operation_id: str, route: str) -> None:
    """The request of ``scope`` is served by ``operation_id`` (path template ``route``)."""
    observed: Observed | None = scope.get(SLOT)
    if observed is None:
        return
    observed.operation, observed.route = operation_id, route
    if observed.span is not None:
        observed.span.update_name(operation_id)


def _headers(scope: Scope) -> dict[str, str] | None:
    for name, value in scope["headers"]:
        if name == b"traceparent":
            found = {"traceparent": value.decode("latin-1")}
            for other, state in scope["headers"]:
                if other == b"tracestate":
                    found["tracestate"] = state.decode("latin-1")
            return found
    return None


class Observer:
    """ASGI middleware: spans and metrics of every HTTP request, WebSocket counts."""

    def __init__(self, app: ASGIApp, *, names: dict[str, str] | None = None) -> None:
        self.app = app
        self.names = names or {}  # names of paths no operation serves (GraphQL, playground)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not (tracing.ON or metrics.ON) or scope["type"] == "lifespan":
            await self.app(scope, receive, send)
            return
        if scope["type"] == "websocket":
            metrics.clients(metrics.WEBSOCKET_CLIENTS, 1)
            try:
                await self.app(scope, receive, send)
            finally:
                metrics.clients(metrics.WEBSOCKET_CLIENTS, -1)
            return
        await self._serve(scope, receive, send)

    async def _serve(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = time.perf_counter()
        span: Span | None = None
        if tracing.ON:
            span = tracing.start(
                f"{scope['method']} {UNMATCHED}",
                kind=SpanKind.SERVER,
                attributes={"http.request.method": scope["method"]},
                parent=tracing.extract(_headers(scope)),
            )
        observed = Observed(span)
        scope[SLOT] = observed
        named = self.names.get(scope["path"])
        if named is not None:
            matched(scope, named, scope["path"])

        async def watched(message: Message) -> None:
            if message["type"] == "http.response.start":
                observed.status = message["status"]
                if metrics.ON:
                    for name, value in message.get("headers", ()):
                        if name == b"content-type" and value.startswith(EVENT_STREAM):
                            observed.stream = True
                            metrics.clients(metrics.SSE_CLIENTS, 1)
            await send(message)

        token = tracing.activate(span) if span is not None else None
        try:
            await self.app(scope, receive, watched)
        except BaseException as exc:
            observed.status = observed.status or 500
            if span is not None:
                span.record_exception(exc)
                span.set_status(Status(StatusCode.ERROR, type(exc).__name__))
            raise
        finally:
            if token is not None:
                tracing.deactivate(token)
            if observed.stream:
                metrics.clients(metrics.SSE_CLIENTS, -1)
            status = observed.status
            if span is not None:
                if observed.route:
                    span.set_attributes({"http.response.status_code": status, "http.route": observed.route})
                else:
                    span.set_attributes({"http.response.status_code": status, "url.path": scope["path"]})
                if status >= 500 and span.status.status_code is StatusCode.UNSET:
                    span.set_status(Status(StatusCode.ERROR))
                span.end()
            if metrics.ON:
                seconds = None if observed.stream else time.perf_counter() - started
                metrics.request_done(observed.operation, scope["method"], status, seconds)
