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

from collections.abc import Awaitable
from time import perf_counter

from opentelemetry.trace import Status, StatusCode
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from meshery.observability import metrics, tracing
from meshery.observability.spans import AttributeValue, Span

SLOT = "meshery.observed"
UNMATCHED = "other"
EVENT_STREAM = b"text/event-stream"
SERVER_ERROR = Status(StatusCode.ERROR)


class Observed:
    """What is known of one request while it is served (made without an ``__init__`` frame)."""

    operation = UNMATCHED
    route = ""
    status = 0
    stream = False


def matched(scope: Scope, operation_id: str, route: str) -> None:
    """The request of ``scope`` is served by ``operation_id`` (path template ``route``)."""
    observed: Observed | None = scope.get(SLOT)
    if observed is not None:
        observed.operation, observed.route = operation_id, route


class Observer:
    """ASGI middleware: spans and metrics of every HTTP request, WebSocket counts."""

    def __init__(self, app: ASGIApp, *, names: dict[str, str] | None = None) -> None:
        self.app = app
        self.names = names or {}  # names of paths no operation serves (GraphQL, playground)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:  # noqa: C901 (one frame per request)
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
        # One pass for both: the span and the metrics sample of the request, in this one frame.
        counted = metrics.ON
        started = perf_counter() if counted else 0.0
        observed = scope[SLOT] = Observed()
        named = self.names.get(scope["path"])
        if named is not None:
            observed.operation, observed.route = named, scope["path"]
        span = tracing.request(scope["method"], scope["headers"]) if tracing.ON else None

        def watched(message: Message) -> Awaitable[None]:
            if message["type"] == "http.response.start":
                observed.status = message["status"]
                if counted:
                    for name, value in message.get("headers", ()):
                        if name == b"content-type" and value.startswith(EVENT_STREAM):
                            observed.stream = True
                            metrics.clients(metrics.SSE_CLIENTS, 1)
            return send(message)

        token = tracing.CURRENT.set(span) if span is not None else None
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
                tracing.CURRENT.reset(token)
            status = observed.status
            if span is not None:
                _finish(span, observed, scope, status)
            if counted:
                if observed.stream:
                    metrics.clients(metrics.SSE_CLIENTS, -1)
                metrics.request_done(
                    observed.operation, scope["method"], status, None if observed.stream else perf_counter() - started
                )


def _finish(span: Span, observed: Observed, scope: Scope, status: int) -> None:
    """Name the request's span by its operation, give it its HTTP attributes, end it."""
    attributes: dict[str, AttributeValue]
    if observed.route:
        span._name = observed.operation
        attributes = {
            "http.request.method": scope["method"],
            "http.response.status_code": status,
            "http.route": observed.route,
        }
    else:
        span._name = f"{scope['method']} {UNMATCHED}"
        attributes = {"http.request.method": scope["method"], "http.response.status_code": status, "url.path": scope["path"]}
    if span._attributes:
        attributes.update(span._attributes)  # set by the request's own code while it was served
    span._attributes = attributes
    if status >= 500 and span._status.status_code is StatusCode.UNSET:
        span._status = SERVER_ERROR
    span.end()
