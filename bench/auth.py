"""What a session costs per request: the local provider against a remote provider's RS256 JWT.

In process (raw ASGI calls, as ``inprocess``): ``GET /api/token`` (needs a
session, touches no database) under the local provider "None" (no token to
check: the baseline measured in the same run) and under the reference
remote provider (``tools.remote_provider``, started for the run), whose
token is verified locally against its cached JWKS on every request. The
ratio is remote/local; the public ``/api/system/version`` shows the floor.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import tempfile
import time
import warnings
from dataclasses import replace
from pathlib import Path

import httpx

from bench import PROJECT_ROOT, results
from bench.inprocess import per_request_us


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


async def _measure(n: int, provider_url: str) -> dict[str, int]:
    warnings.filterwarnings("ignore", message=r"Using `httpx` with `starlette.testclient`")
    from meshery import app as app_module
    from meshery.config import Settings

    async with httpx.AsyncClient() as client:
        token = (await client.post(f"{provider_url}/debug/token", json={"user": "bench"})).json()["token"]
    figures: dict[str, int] = {}
    with tempfile.TemporaryDirectory(prefix="meshery-bench-auth-") as tmp:
        local = Settings(user_data_folder=Path(tmp) / "local")
        for label, settings, cookie in (
            ("local provider", local, ""),
            (
                "remote provider (RS256 JWT)",
                replace(local, provider_base_urls=(provider_url,), provider="Reference"),
                f"meshery-provider=Reference; token={token}",
            ),
        ):
            app = app_module.create_app(settings)
            async with app.router.lifespan_context(app):
                figures[f"{label}: GET /api/token"] = await per_request_us(app, "/api/token", n=n, cookie=cookie)
                figures[f"{label}: GET /api/system/version (public)"] = await per_request_us(
                    app, "/api/system/version", n=n, cookie=cookie
                )
    return figures


def run(*, requests: int = 2000) -> bool:
    print("  session cost: local vs remote provider (raw ASGI calls)...", file=sys.stderr, flush=True)
    port = _free_port()
    provider = subprocess.Popen(
        [sys.executable, "-m", "tools.remote_provider", "--port", str(port), "--debug-endpoints"],
        cwd=PROJECT_ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                httpx.get(f"{url}/keys", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.05)
        figures = asyncio.run(_measure(requests, url))
    finally:
        provider.terminate()
        provider.wait(timeout=10)
    local = figures["local provider: GET /api/token"]
    remote = figures["remote provider (RS256 JWT): GET /api/token"]
    ratio = results.ratio(remote, local)
    path = results.write(
        "auth",
        parameters={"requests": requests, "best_of": 3},
        figures={**figures, "ratio remote/local": ratio},
        ok=True,
    )
    print("\nSession cost per request (microseconds, best of 3; lower is better)")
    print(results.table(["case", "us/request"], [[k, v] for k, v in figures.items()]))
    print(f"remote/local for GET /api/token: {ratio}")
    print(f"OK; written {path.relative_to(path.parents[2])}\n")
    return True
