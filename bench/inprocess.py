"""Where the REST time goes: microseconds per request, in process, no network.

Requests are raw ASGI calls, so the figures are the framework's own cost
(routing, validation, handler call, serialisation) without sockets, HTTP
parsing or a load generator. Variants remove one Connexion middleware at a
time from our stack; the FastAPI app is the same baseline as in ``rest``.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
import warnings
from pathlib import Path

from starlette.types import ASGIApp, Message, Scope

from bench import results


async def call(app: ASGIApp, path: str, cookie: str = "", query: str = "") -> None:
    """One GET straight into the ASGI app (no socket); raises unless it answers 200."""
    scope: Scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query.encode(),
        "root_path": "",
        "headers": [(b"host", b"bench")] + ([(b"cookie", cookie.encode())] if cookie else []),
        "client": ("127.0.0.1", 1),
        "server": ("bench", 80),
    }
    status: list[int] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        if message["type"] == "http.response.start":
            status.append(message["status"])

    await app(scope, receive, send)
    if status != [200]:
        raise RuntimeError(f"GET {path}?{query} answered {status}")


async def per_request_us(app: ASGIApp, path: str, *, n: int, cookie: str = "", query: str = "") -> int:
    """Microseconds per in-process GET: the best of three runs of `n` after a warm-up."""
    for _ in range(max(n // 10, 50)):
        await call(app, path, cookie, query)
    samples = []
    for _ in range(3):
        started = time.perf_counter()
        for _ in range(n):
            await call(app, path, cookie, query)
        samples.append((time.perf_counter() - started) / n * 1e6)
    return round(min(samples))


async def _measure(n: int) -> dict[str, int]:
    warnings.filterwarnings("ignore", message=r"Using `httpx` with `starlette.testclient`")
    from bench import fastapi_baseline
    from generated.graphql_schema import ROOT_FIELDS
    from generated.operations import OPERATIONS
    from meshery import app as app_module
    from meshery import wiring
    from meshery.config import Settings

    figures: dict[str, int] = {}
    with tempfile.TemporaryDirectory(prefix="meshery-bench-inprocess-") as tmp:
        settings = Settings(user_data_folder=Path(tmp) / "ours")
        ours = app_module.create_app(settings)
        async with ours.router.lifespan_context(ours):
            figures["ours: GET /api/system/version"] = await per_request_us(ours, "/api/system/version", n=n)
            figures["ours: GET /healthz/live"] = await per_request_us(ours, "/healthz/live", n=n)
            figures["ours: GET /api/system/database"] = await per_request_us(ours, "/api/system/database", n=n // 5)
            state = ours.state.meshery
            bound = wiring.bind(OPERATIONS, ROOT_FIELDS)
            rest = app_module.build_rest(state, bound)
            figures["ours, Connexion stack alone (no dispatch table): /api/system/version"] = await per_request_us(
                rest, "/api/system/version", n=n
            )
            without_validation = [
                m
                for m in app_module.rest_middlewares(state)
                if getattr(m, "__name__", "") != "RequestValidationMiddleware"
            ]
            lean = app_module.build_rest(state, bound, middlewares=without_validation)
            figures["ours, Connexion without request validation: /api/system/version"] = await per_request_us(
                lean, "/api/system/version", n=n
            )
        baseline = fastapi_baseline.create_app(Settings(user_data_folder=Path(tmp) / "fastapi"))
        async with baseline.router.lifespan_context(baseline):
            figures["fastapi: GET /api/system/version"] = await per_request_us(baseline, "/api/system/version", n=n)
            figures["fastapi: GET /api/system/database"] = await per_request_us(
                baseline, "/api/system/database", n=n // 5
            )
    return figures


def ratios(figures: dict[str, int]) -> dict[str, float]:
    """Throughput ratios ours/fastapi (fastapi us / ours us: above 1 means ours is faster)."""
    return {
        route: round(figures[f"fastapi: GET {route}"] / figures[f"ours: GET {route}"], 2)
        for route in ("/api/system/version", "/api/system/database")
    }


def run(*, requests: int = 3000) -> bool:
    print("  in-process micro-benchmark (raw ASGI calls)...", file=sys.stderr, flush=True)
    figures = asyncio.run(_measure(requests))
    ratio = ratios(figures)
    path = results.write(
        "inprocess", parameters={"requests": requests, "best_of": 3}, figures={**figures, "ratios": ratio}, ok=True
    )
    print("\nIn-process cost per request (microseconds, best of 3; lower is better)")
    print(results.table(["case", "us/request"], [[k, v] for k, v in figures.items()]))
    print("\nIn-process ratios ours/fastapi (requests per second; below 1 means ours is slower)")
    print(results.table(["route", "ratio"], [[k, v] for k, v in ratio.items()]))
    print(f"OK; written {path.relative_to(path.parents[2])}\n")
    return True
