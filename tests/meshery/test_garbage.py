"""Requests leave nothing for the cyclic garbage collector (reference counting frees them).

Objects in a reference cycle outlive their request until a collection finds them: memory not
reused while hot, and collections that walk them. A server's ``send`` is bound to an object
holding the scope, as here. Routes are served with metrics on, through every middleware.
"""

from __future__ import annotations

import gc

import pytest
from starlette.applications import Starlette
from starlette.types import Message, Scope

from meshery.observability import metrics

REQUESTS = 30
# Read routes served on every page of the UI, and the two of the observability benchmark.
PATHS = [
    "/api/system/version",
    "/api/system/database",
    "/api/meshmodels/models",
    "/api/meshmodels/categories",
    "/api/meshmodels/relationships",
    "/api/user/prefs",
    "/api/nothing-here",
]
# Known: the component list builds a subquery per request (about 40 objects in cycles).


class ServerCycle:
    """What a server keeps per request: the scope, and the ``send`` bound to itself."""

    def __init__(self, path: str) -> None:
        self.scope: Scope = {
            "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET", "scheme": "http",
            "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "",
            "headers": [(b"host", b"test"), (b"accept", b"application/json")],
            "client": ("127.0.0.1", 1), "server": ("test", 80),
        }  # fmt: skip
        self.status = 0

    async def send(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.status = message["status"]

    async def receive(self) -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}


async def serve(app: Starlette, path: str) -> int:
    cycle = ServerCycle(path)
    await app(cycle.scope, cycle.receive, cycle.send)
    return cycle.status


@pytest.mark.parametrize("path", PATHS)
async def test_read_routes_leave_no_reference_cycles(app: Starlette, path: str) -> None:
    assert metrics.ON
    for _ in range(5):  # caches filled and statements compiled first: those are kept, not garbage
        status = await serve(app, path)
    assert status == (404 if path == "/api/nothing-here" else 200)
    gc.collect()
    gc.disable()
    try:
        for _ in range(REQUESTS):
            await serve(app, path)
        garbage = gc.collect()
    finally:
        gc.enable()
    assert garbage == 0, f"{garbage} objects of {REQUESTS} requests to {path} were freed only by the cycle collector"
