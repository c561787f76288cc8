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
from time import perf_counter, time_ns

from opentelemetry.trace import Status, StatusCode
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from meshery.observability import metrics, tracing
from meshery.observability.spans import AttributeValue, lay_out
from meshery.observability.tracing import CURRENT

SLOT = "meshery.observed"
UNMATCHED = "other"
EVENT_STREAM = b"text/event-stream"
SERVER_ERROR = Status(StatusCode.ERROR)


class Observed:
    """What is known of one request while it is served (made without an ``__init__`` frame).

    ``watched`` is the ``send`` the app is given: it reads the status (and, when ``counted``,
    whether the answer is an event stream) on the way to the server's ``send``. The scope holds
    this record and the server's ``send`` is bound to an object holding the scope: ``send`` is
    dropped when the request ends, so the request's objects are freed by reference counting
    (a cycle left to the garbage collector cost more over HTTP than the spans and metrics).
    """

    operation = UNMATCHED
    route = ""
    status = 0
    stream = False
    counted = False
    send: Send

    def watched(self, message: Message) -> Awaitable[None]:
        if message["type"] == "http.response.start":
            self.status = message["status"]
            if self.counted:
                for name, value in message.get("headers", ()):
                    if name == b"content-type" and value.startswith(EVENT_STREAM):
                        self.stream = True
                        metrics.clients(metrics.SSE_CLIENTS, 1)
        return self.send(message)


lay_out(Observed, ("send", "operation", "route", "status", "counted", "stream"))


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
        # One pass for both: the span and the metrics sample of the request, in this one frame.
        observed = scope[SLOT] = Observed()
        observed.send = send
        named = self.names.get(scope["path"])
        if named is not None:
            observed.operation, observed.route = named, scope["path"]
        span = tracing.request(scope["method"], scope["headers"]) if tracing.ON else None
        token = CURRENT.set(span) if span is not None else None
        counted = observed.counted = metrics.ON
        started = perf_counter() if counted else 0.0
        try:
            await self.app(scope, receive, observed.watched)
        except BaseException as exc:
            observed.status = observed.status or 500
            if span is not None:
                span.record_exception(exc)
                span.set_status(Status(StatusCode.ERROR, type(exc).__name__))
            raise
        finally:
            del observed.send  # scope -> observed -> server's send -> server's cycle -> scope: broken here
            status = observed.status
            if span is not None:
                CURRENT.reset(token)  # type: ignore[arg-type]  # set with the span
                # Named by its operation, given its HTTP attributes, ended: here, not in calls.
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
                    attributes = {
                        "http.request.method": scope["method"],
                        "http.response.status_code": status,
                        "url.path": scope["path"],
                    }
                if span._attributes:
                    attributes.update(span._attributes)  # set by the request's own code while it was served
                span._attributes = attributes
                if status >= 500 and span._status.status_code is StatusCode.UNSET:
                    span._status = SERVER_ERROR
                span._end_time = time_ns()
                if span.pipeline is not None:
                    span.pipeline.finished(span)
            if counted:
                if observed.stream:
                    metrics.clients(metrics.SSE_CLIENTS, -1)
                metrics.request_done(
                    observed.operation, scope["method"], status, None if observed.stream else perf_counter() - started
                )
