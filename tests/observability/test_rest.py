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
