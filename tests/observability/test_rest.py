"""The request middleware (meshery.observability.rest) leaves nothing for the cyclic garbage collector.

A server such as uvicorn hands the app a ``send`` bound to an object that holds the request's
scope. The middleware keeps that ``send`` (to read the answer's status) on its per-request
record, which the scope holds too: unless the link is dropped when the request ends, every
request's scope, server objects and messages would form a cycle that only a full collection
frees, which over HTTP cost more than the spans and metrics themselves.
"""

from __future__ import annotations

import contextlib
import gc
import json
from collections.abc import Iterator

import pytest
from starlette.types import ASGIApp, Receive, Scope, Send

from meshery.observability import metrics, rest
from tests.fixtures.server_cycle import ServerCycle
from tests.observability.conftest import Spans

REQUESTS = 200


async def answer(scope: Scope, receive: Receive, send: Send) -> None:
    rest.matched(scope, "getSystemVersion", "/api/system/version")
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"application/json")]})
    await send({"type": "http.response.body", "body": b"{}"})


async def failing(scope: Scope, receive: Receive, send: Send) -> None:
    raise RuntimeError("handler failed")


@pytest.fixture(params=["traces", "metrics", "both"])
def observing(request: pytest.FixtureRequest, spans: Spans) -> Iterator[str]:
    """Tracing (the ``spans`` fixture) and metrics as the parameter says."""
    from meshery.observability import tracing

    if request.param == "metrics":
        tracing.uninstall()
    before = metrics.ACCESS
    metrics.enable("off" if request.param == "traces" else "public")
    try:
        yield request.param
    finally:
        metrics.enable(before)


async def served(app: rest.Observer, path: str) -> ServerCycle:
    cycle = ServerCycle(path)
    with contextlib.suppress(RuntimeError):  # the failing app's error, as the server would see it
        await cycle.serve(app)
    return cycle


async def annotated(scope: Scope, receive: Receive, send: Send) -> None:
    """A handler that adds to the current (request) span: its attributes are kept beside the HTTP ones."""
    from meshery.observability import tracing

    current = tracing.CURRENT.get()
    assert current is not None
    current.set_attribute("meshery.user", "u-1")
    current.set_attributes({"http.route": "/overridden"})
    await send({"type": "http.response.start", "status": 201, "headers": []})
    await send({"type": "http.response.body", "body": b""})


async def test_the_request_span_reads_its_http_attributes_from_the_record(spans: Spans) -> None:
    metrics_before = metrics.ACCESS
    metrics.enable("off")
    try:
        await served(rest.Observer(answer), "/api/system/version")
        await served(rest.Observer(annotated), "/api/somewhere")
        await served(rest.Observer(failing), "/api/failing")
    finally:
        metrics.enable(metrics_before)
    matched, annotated_span, failed = spans.all()
    assert matched.name == "getSystemVersion"
    assert dict(matched.attributes or {}) == {
        "http.request.method": "GET",
        "http.response.status_code": 200,
        "http.route": "/api/system/version",
    }
    assert annotated_span.name == "GET other"  # no operation matched
    assert dict(annotated_span.attributes or {}) == {
        "http.request.method": "GET",
        "http.response.status_code": 201,
        "url.path": "/api/somewhere",
        "meshery.user": "u-1",
        "http.route": "/overridden",  # what the request's own code set wins
    }
    assert (failed.attributes or {})["http.response.status_code"] == 500
    assert not failed.status.is_ok and failed.events[0].name == "exception"
    assert isinstance(matched, rest.ObservedSpan) and json.loads(matched.to_json())["attributes"]["http.route"]


async def test_a_request_span_is_never_the_child_of_a_span_left_in_the_context(spans: Spans) -> None:
    """uvicorn starts a pipelined request's task inside its predecessor's answer, whose span is current there."""
    from meshery.observability import tracing

    leftover = tracing.start("the previous request")
    assert leftover is not None
    token = tracing.activate(leftover)
    try:
        await served(rest.Observer(answer), "/api/system/version")
    finally:
        tracing.deactivate(token)
    leftover.end()
    request = spans.one("getSystemVersion")
    assert request.parent is None
    assert request.context is not None and leftover.context is not None
    assert request.context.trace_id != leftover.context.trace_id


@pytest.mark.parametrize("inner", [answer, failing], ids=["answered", "raised"])
async def test_requests_leave_no_reference_cycles(observing: str, inner: ASGIApp) -> None:
    app = rest.Observer(inner)
    await served(app, "/api/system/version")  # warm: lazily made objects are not garbage
    gc.collect()
    gc.disable()
    try:
        statuses = [(await served(app, "/api/system/version")).status for _ in range(REQUESTS)]
        garbage = gc.collect()
    finally:
        gc.enable()
    assert statuses == [200 if inner is answer else 0] * REQUESTS
    assert garbage == 0, f"{garbage} objects of {REQUESTS} requests were freed only by the cycle collector"
