"""One span and one metrics sample per HTTP request, named by the operation that served it.

``Observer`` is an ASGI middleware in front of everything (``meshery.app``): it times each
request, reads the status its answer starts with, and counts open WebSockets and SSE
streams. The span is current while the request is served, so the statements, bus messages,
Kubernetes and adapter calls of its handler are its children; a ``traceparent`` the client
sent makes it part of the client's trace. ``matched`` (called by ``meshery.dispatch`` once it
knows the operation) names the span and the metrics by operationId; requests no operation
serves are named as the app tells (``graphql`` for its endpoint), else by method and ``other``
(404, 405).

A traced request has one object of its own here: its span (``ObservedSpan``), which is also
its record of the request (operation, route, status); untraced, a small ``Observed`` record.
With tracing and metrics both off the middleware passes requests straight through.
"""

from __future__ import annotations

from collections.abc import Awaitable, Mapping
from time import perf_counter, time_ns

from opentelemetry.trace import Status, StatusCode
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from meshery.observability import metrics, tracing
from meshery.observability.spans import NO_ATTRIBUTES, SPAN_FIELDS, AttributeValue, Span, lay_out
from meshery.observability.tracing import CURRENT

SLOT = "meshery.observed"
UNMATCHED = "other"
EVENT_STREAM = b"text/event-stream"
SERVER_ERROR = Status(StatusCode.ERROR)


class Observed:
    """What is known of one request while it is served, when it is not traced (made without an ``__init__`` frame).

    ``watched`` is the ``send`` the app is given: it reads the status (and, when ``counted``,
    whether the answer is an event stream) on the way to the server's ``send``. The scope holds
    this record and the server's ``send`` is bound to an object holding the scope: ``send`` is
    dropped when the request ends, so the request's objects are freed by reference counting
    (a cycle left to the garbage collector cost more over HTTP than the spans and metrics).
    """

    operation = UNMATCHED
    route = ""
    answered = 0  # the HTTP status
    stream = False
    counted = False
    send: Send

    def watched(self, message: Message) -> Awaitable[None]:
        if message["type"] == "http.response.start":
            self.answered = message["status"]
            if self.counted:
                for name, value in message.get("headers", ()):
                    if name == b"content-type":
                        if value.startswith(EVENT_STREAM):
                            self.stream = True
                            metrics.clients(metrics.SSE_CLIENTS, 1)
                        break
        return self.send(message)


RECORD = ("send", "operation", "route", "answered", "counted", "stream")
lay_out(Observed, RECORD)


class ObservedSpan(Observed, Span):
    """The SERVER span of a traced request, and the request's record (``Observed``'s fields) in one object.

    One object per request instead of a record, a span and an attribute map: its HTTP
    attributes are read from the record's fields when an exporter asks (``_attributes``); what
    the request's own code sets on the span is kept beside them (``_extra``) and wins.
    """

    method = ""
    path = ""  # set when no operation matched (the span then carries ``url.path``)
    _extra: Mapping[str, AttributeValue] = NO_ATTRIBUTES

    @property
    def _attributes(self) -> Mapping[str, AttributeValue]:
        found: dict[str, AttributeValue] = {
            "http.request.method": self.method,
            "http.response.status_code": self.answered,
        }
        if self.route:
            found["http.route"] = self.route
        else:
            found["url.path"] = self.path
        if self._extra:
            found.update(self._extra)
        return found

    @_attributes.setter
    def _attributes(self, attributes: Mapping[str, AttributeValue]) -> None:
        self._extra = attributes

    def _own_attributes(self) -> dict[str, AttributeValue]:
        found = self._extra
        if not isinstance(found, dict):
            found = self._extra = dict(found)
        return found


# ``_attributes`` is a property here: its store is ``_extra``.
lay_out(ObservedSpan, (*(n for n in SPAN_FIELDS if n != "_attributes"), *RECORD, "method", "path", "_extra"))


def matched(scope: Scope, operation_id: str, route: str) -> None:
    """The request of ``scope`` is served by ``operation_id`` (path template ``route``)."""
    observed: Observed | ObservedSpan | None = scope.get(SLOT)
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
        # One pass for both: the span (which is also the request's record) and the metrics sample.
        span = tracing.request(scope["method"], scope["headers"], ObservedSpan) if tracing.ON else None
        observed = scope[SLOT] = span if span is not None else Observed()
        observed.send = send
        token = CURRENT.set(span) if span is not None else None
        counted = observed.counted = metrics.ON
        started = perf_counter() if counted else 0.0
        try:
            await self.app(scope, receive, observed.watched)
        except BaseException as exc:
            observed.answered = observed.answered or 500
            if span is not None:
                span.record_exception(exc)
                span.set_status(Status(StatusCode.ERROR, type(exc).__name__))
            raise
        finally:
            del observed.send  # scope -> observed -> server's send -> server's cycle -> scope: broken here
            status = observed.answered
            if not observed.route:  # no operation served it: a path the app names (GraphQL), else 404/405
                named = self.names.get(scope["path"])
                if named is not None:
                    observed.operation, observed.route = named, scope["path"]
            if span is not None:
                CURRENT.reset(token)  # type: ignore[arg-type]  # set with the span
                # Named by its operation and ended here, not in calls; its attributes are read from its fields.
                span.method = scope["method"]
                if observed.route:
                    span._name = observed.operation
                else:
                    span._name = f"{scope['method']} {UNMATCHED}"
                    span.path = scope["path"]
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
