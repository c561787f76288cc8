"""Under a remote provider with ``persist-results``, a load-test result is also handed to the provider."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest

from meshery.perf.target import TargetServer
from tests.fixtures.remote_provider import RemoteProviderProcess
from tests.providers.conftest import RemoteClient, remote_client
from tools.remote_provider.app import PERF_RESULTS

__all__ = ["remote_client"]


@pytest.fixture(scope="module")
def target() -> Iterator[TargetServer]:
    with TargetServer.in_thread() as server:
        yield server


async def test_results_reach_a_provider_with_persist_results(
    remote_client: RemoteClient, remote_provider: RemoteProviderProcess, target: TargetServer
) -> None:
    token = remote_provider.issue("carol")
    cookie = {"Cookie": f"meshery-provider=Reference; token={token}"}
    async with remote_client(provider="Reference") as http:
        http.timeout = httpx.Timeout(30)
        run = await http.get(
            "/api/perf/profile", params={"name": "remote", "url": target.url, "qps": "10", "t": "1"}, headers=cookie
        )
    events = [json.loads(line[6:]) for line in run.text.splitlines() if line.startswith("data: ")]
    assert events[-1]["status"] == "success", events
    result = events[-1]["result"]
    async with httpx.AsyncClient(base_url=remote_provider.url) as provider:
        published = (await provider.get(PERF_RESULTS, headers={"Authorization": f"Bearer {token}"})).json()
    assert [r["meshery_id"] for r in published["results"]] == [result["meshery_id"]]
    assert published["results"][0]["runner_results"]["load-generator"] == "builtin"
