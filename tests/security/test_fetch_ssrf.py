"""Issue 15, findings 1-4: user-given URLs go through the one fetcher (``meshery.fetch``).

1. SSRF returning content: design import of a loopback URL, directly or through a redirect.
2. Blind SSRF / port scan: registry register answers the same for an open and a closed port.
3. Memory: registry URL imports of 250 MB sources stream to disk (RSS growth measured), oversize
   sources and multipart uploads are refused within the limit.
4. Slow sources: a source sending one byte per second ends at the total deadline.

Every source is a loopback server of this test; the suite's fence (tests/conftest.py) refuses any
other target before a lookup or a connection.
"""

from __future__ import annotations

import asyncio
import dataclasses
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import psutil
import pytest
from starlette.applications import Starlette

from generated import errors
from meshery import fetch
from meshery.designs import intake
from meshery.fetch import NOT_FETCHED, Policy
from meshery.kube import client as kube_client
from meshery.registry import upload
from tests.security import sources

MB = 1_000_000


@pytest.fixture(scope="module")
def database_backend() -> str:
    """What a URL fetch does is the same on both databases: SQLite only."""
    return "sqlite"


def production_policy() -> None:
    """The server's default: public addresses only (the suite's fence stays underneath)."""
    fetch.configure(Policy())


# --- 1. SSRF that returns the content ------------------------------------------------------------


async def test_design_import_of_a_loopback_url_is_refused_and_not_fetched(client: httpx.AsyncClient) -> None:
    production_policy()
    with sources.serve() as secret:
        for route, body in [
            ("/api/pattern/import", {"url": f"{secret.url}/secret"}),
            ("/api/pattern/import", {"url": f"http://localhost:{secret.port}/secret"}),
            ("/api/pattern/import", {"url": f"http://[::ffff:127.0.0.1]:{secret.port}/secret"}),
            ("/api/pattern/Kubernetes Manifest", {"name": "x", "url": f"{secret.url}/secret"}),
            ("/api/pattern/Design", {"name": "x", "url": f"{secret.url}/secret"}),
        ]:
            answer = await client.post(route, json=body)
            assert answer.status_code == 400, (route, answer.text)
            assert answer.json()["code"] == errors.ErrDesignFetchFailed.code
            assert sources.SECRET.decode() not in answer.text and NOT_FETCHED in answer.text
        parts = {"url": (None, f"{secret.url}/secret"), "name": (None, "form")}
        form = await client.post("/api/pattern/import", files=parts)
        assert form.status_code == 400 and sources.SECRET.decode() not in form.text
        assert secret.hits["/secret"] == 0


async def test_design_import_redirect_to_loopback_is_refused(client: httpx.AsyncClient) -> None:
    with sources.serve() as hop, sources.serve() as secret:
        # The first hop is allowed (as an operator's allow-list would); where it points is not.
        fetch.configure(Policy.parse([f"127.0.0.1:{hop.port}"]))
        for status in (301, 302, 307, 308):
            answer = await client.post(
                "/api/pattern/import", json={"url": f"{hop.url}/redirect?status={status}&to={secret.url}/secret"}
            )
            assert answer.status_code == 400 and answer.json()["code"] == errors.ErrDesignFetchFailed.code
            assert sources.SECRET.decode() not in answer.text
        assert hop.hits["/redirect"] == 4 and secret.hits["/secret"] == 0


# --- 2. Blind SSRF / port scan ------------------------------------------------------------------


async def _register_error(client: httpx.AsyncClient, url: str) -> dict[str, Any]:
    answer = await client.post("/api/registry/register", json={"importBody": {"url": url}})
    assert answer.status_code == 200, answer.text
    (problem,) = answer.json()["errors"]
    return {**problem, "message": problem["message"].replace(url, "<url>")}


async def test_open_and_closed_ports_answer_alike(client: httpx.AsyncClient) -> None:
    with sources.not_http() as open_port, sources.serve() as web:
        closed = sources.closed_port()
        targets = [
            f"http://127.0.0.1:{open_port}/m.yaml",  # open, not HTTP (was RemoteProtocolError)
            f"http://127.0.0.1:{closed}/m.yaml",  # closed (was ConnectError)
            f"{web.url}/nothing.yaml",  # open, HTTP, 404 (was "answered 404")
            f"{web.url}/secret",  # open, HTTP, 200
        ]
        production_policy()  # refused before connecting: nothing to tell apart
        refused = [await _register_error(client, url) for url in targets]
        assert all(p == refused[0] for p in refused), refused
        assert refused[0]["code"] == errors.ErrRegistryFetchFailed.code
        assert web.hits["/secret"] == 0
        # Allowed by the operator: the answers differ on the wire, not in the error.
        fetch.configure(Policy.parse(["127.0.0.0/8"]))
        reached = [await _register_error(client, url) for url in targets[:3]]
        assert all(p == reached[0] for p in reached), reached
        assert reached[0] == refused[0]
        design = await client.post("/api/pattern/import", json={"url": targets[0]})
        closed_design = await client.post("/api/pattern/import", json={"url": targets[1]})
        assert design.json()["error"].replace(targets[0], "") == closed_design.json()["error"].replace(targets[1], "")


# --- 3. Memory ----------------------------------------------------------------------------------


@contextmanager
def peak_rss() -> Iterator[dict[str, int]]:
    """The process's RSS before and its peak during the block (sampled every 5 ms)."""
    process = psutil.Process()
    seen = {"before": process.memory_info().rss, "peak": 0}
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            seen["peak"] = max(seen["peak"], process.memory_info().rss)
            time.sleep(0.005)

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    try:
        yield seen
    finally:
        stop.set()
        thread.join()
        seen["peak"] = max(seen["peak"], process.memory_info().rss)
        seen["growth"] = seen["peak"] - seen["before"]


async def test_registry_url_imports_of_250_mb_stream_to_disk(client: httpx.AsyncClient) -> None:
    with sources.serve() as source:
        fetch.configure(Policy.parse([f"127.0.0.1:{source.port}"]))
        url = f"{source.url}/big/models.tar?size={250 * MB}"
        await _register(client, f"{source.url}/big/models.tar?size=1000")  # warm the code paths
        with peak_rss() as one:
            result = await _register(client, url)
        assert result["errors"] == [] or result["errors"][0]["code"] != errors.ErrRegistryFileTooLarge.code
        assert source.sent["/big/models.tar"] == 250 * MB + 1000  # read whole (within the limit)
        with peak_rss() as four:
            await asyncio.gather(*(_register(client, url) for _ in range(4)))
        print(f"\nRSS growth: one 250 MB import {one['growth'] / 2**20:.1f} MiB; "
              f"four concurrent {four['growth'] / 2**20:.1f} MiB")
        assert one["growth"] < 100 * 2**20 and four["growth"] < 100 * 2**20


async def _register(client: httpx.AsyncClient, url: str) -> dict[str, Any]:
    answer = await client.post("/api/registry/register", json={"importBody": {"url": url}}, timeout=300)
    assert answer.status_code == 200, answer.text
    result: dict[str, Any] = answer.json()
    return result


def _limit(app: Starlette, size: int) -> None:
    services = app.state.meshery.services
    services.settings = dataclasses.replace(services.settings, registry_upload_max_bytes=size)


async def test_oversize_sources_and_uploads_are_refused_while_streaming(
    app: Starlette, client: httpx.AsyncClient
) -> None:
    _limit(app, 20 * MB)
    with sources.serve() as source:
        fetch.configure(Policy.parse([f"127.0.0.1:{source.port}"]))
        with peak_rss() as seen:
            chunked = await _register(client, f"{source.url}/big/a.tar?size={300 * MB}")
            declared = await _register(client, f"{source.url}/big/b.tar?size={300 * MB}&declare=1")
        print(f"\nRSS growth refusing two 300 MB sources at a 20 MB limit: {seen['growth'] / 2**20:.1f} MiB")
        for result in (chunked, declared):
            assert result["errors"][0]["code"] == errors.ErrRegistryFileTooLarge.code
        assert source.sent["/big/a.tar"] < 300 * MB and source.sent["/big/b.tar"] < 300 * MB
        assert seen["growth"] < 100 * 2**20
    # Multipart uploads and modelFile are bounded by the same setting.
    _limit(app, 1 * MB)
    request = httpx.Request("POST", "http://x", files={"file": ("models.tar", b"\0" * (2 * MB))})
    answer = await client.post(
        "/api/registry/register", content=request.read(), headers={"content-type": request.headers["content-type"]}
    )
    assert answer.status_code == 200 and answer.json()["errors"][0]["code"] == errors.ErrRegistryFileTooLarge.code
    answer = await client.post("/api/registry/register", json={"importBody": {"modelFile": "A" * (2 * MB)}})
    assert answer.json()["errors"][0]["code"] == errors.ErrRegistryFileTooLarge.code


# --- 4. Slow sources ----------------------------------------------------------------------------


async def test_a_slow_source_ends_at_the_total_deadline(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One byte per second never idles a read for the deadline; the total deadline still ends it."""
    monkeypatch.setattr(intake, "FETCH_TIMEOUT", 2.0)
    monkeypatch.setattr(upload, "FETCH_TIMEOUT", 2.0)
    with sources.serve() as source:
        fetch.configure(Policy.parse([f"127.0.0.1:{source.port}"]))
        url = f"{source.url}/drip?count=30&every=1"
        started = time.monotonic()
        design = await client.post("/api/pattern/import", json={"url": url})
        took = time.monotonic() - started
        assert design.status_code == 400 and design.json()["code"] == errors.ErrDesignFetchFailed.code
        registry = await _register(client, url)
        assert registry["errors"][0]["code"] == errors.ErrRegistryFetchFailed.code
        print(f"\n1 byte/s source, 2 s deadline: design import answered after {took:.2f} s")
        assert source.sent["/drip"] < 60  # neither request waited for the whole 30-byte drip


# --- Kubeconfig cluster URLs: connected to, but their answers are not echoed ----------------------


def test_kube_errors_echo_only_kubernetes_status_documents() -> None:
    other = kube_client._status_error(500, b"<html>internal admin console " + sources.SECRET + b"</html>")
    assert sources.SECRET.decode() not in str(other)
    status = b'{"kind": "Status", "reason": "Forbidden", "message": "pods is forbidden"}'
    assert "pods is forbidden" in str(kube_client._status_error(403, status))
    not_status = b'{"reason": "x", "message": "' + sources.SECRET + b'"}'
    assert sources.SECRET.decode() not in str(kube_client._status_error(400, not_status))
