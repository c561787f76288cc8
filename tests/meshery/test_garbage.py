"""Requests leave nothing for the cyclic garbage collector (reference counting frees them).

Objects in a reference cycle outlive their request until a collection finds them: memory not
reused while hot, and collections that walk them. A server's ``send`` is bound to an object
holding the scope, as here. Routes are served with metrics on, through every middleware.
"""

from __future__ import annotations

import gc

import pytest
from starlette.applications import Starlette

from meshery.observability import metrics
from tests.fixtures.server_cycle import ServerCycle

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


async def serve(app: Starlette, path: str) -> int:
    return await ServerCycle(path).serve(app)


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
