"""Performance routes and GraphQL fields against a real loopback target (both databases).

Profiles on both path generations in both spellings, runs streamed as SSE (progress, then the
stored result), cancelling, results, schedules, SMP test configurations, ownership (another
user's ids answer 404) and the GraphQL reads and streams. Runs are short (under a second, low
rates) so the suite stays fast.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from generated import errors
from handlers import performance
from meshery import context
from meshery.context import Session, User
from meshery.perf import runs
from meshery.perf.target import TargetServer
from tests.fixtures.contract import ContractChecker, contract_client

TIMEOUT = 30.0  # generous: the machine is shared
MISSING = "00000000-0000-4000-8000-000000000000"
BOB = {"Authorization": "Bearer bob"}


class TokenUsers:
    """Sessions named by their token: ``Bearer bob`` is user bob (default alice)."""

    name = "None"

    async def authenticate(self, *, token: str | None) -> Session:
        return Session(user=User(user_id=token or "alice", provider=self.name), token=token)


@pytest.fixture(scope="module")
def target() -> Iterator[TargetServer]:
    with TargetServer.in_thread() as server:
        yield server


@pytest.fixture
async def http(app: Starlette, contract: ContractChecker) -> AsyncIterator[httpx.AsyncClient]:
    app.state.meshery.provider = TokenUsers()
    async with contract_client(app, contract) as client:
        client.timeout = httpx.Timeout(TIMEOUT)
        yield client


def sse_events(text: str) -> list[dict[str, Any]]:
    return [json.loads(line[len("data: ") :]) for line in text.splitlines() if line.startswith("data: ")]


async def make_profile(http: httpx.AsyncClient, target: TargetServer, **extra: Any) -> dict[str, Any]:
    body = {
        "name": "short",
        "endpoints": [f"{target.url}/hello"],
        "load_generators": ["fortio"],
        "qps": 20,
        "concurrent_request": 2,
        "duration": "500ms",
        **extra,
    }
    response = await http.post("/api/user/performance/profiles", json=body)
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


async def test_profiles_both_generations_and_spellings(http: httpx.AsyncClient, target: TargetServer) -> None:
    legacy = await make_profile(http, target, request_headers='{"x-test": "1"}')
    assert legacy["load_generators"] == legacy["loadGenerators"] == ["fortio"]
    assert legacy["concurrent_request"] == legacy["concurrentRequest"] == 2
    assert legacy["user_id"] == legacy["userId"] == "alice" and legacy["total_results"] == 0
    assert legacy["last_run"] is None
    camel = await http.post(
        "/api/performance/profiles",
        json={"name": "camel", "loadGenerators": ["wrk2"], "endpoints": [target.url], "duration": "1s",
              "concurrentRequest": 3, "requestBody": "x", "contentType": "text/plain"},
    )  # fmt: skip
    assert camel.status_code == 200, camel.text
    assert camel.json()["load_generators"] == ["wrk2"] and camel.json()["request_body"] == "x"
    pid = legacy["id"]
    for path in (f"/api/performance/profiles/{pid}", f"/api/user/performance/profiles/{pid}"):
        got = await http.get(path)
        assert got.status_code == 200 and got.json()["name"] == "short"
    put = await http.put(f"/api/performance/profiles/{pid}", json={"name": "renamed", "duration": "2s"})
    assert (
        put.status_code == 200 and put.json()["name"] == "renamed" and put.json()["created_at"] == legacy["created_at"]
    )
    for path in ("/api/performance/profiles", "/api/user/performance/profiles"):
        page = (await http.get(path, params={"pagesize": "1", "search": "renamed"})).json()
        assert page["total_count"] == page["totalCount"] == 1 and page["page_size"] == 1
        assert [p["id"] for p in page["profiles"]] == [pid]
    # Another user's id is not there; neither is a missing one.
    for method in ("GET", "DELETE"):
        assert (await http.request(method, f"/api/performance/profiles/{pid}", headers=BOB)).status_code == 404
    assert (await http.put(f"/api/performance/profiles/{pid}", json={"name": "b"}, headers=BOB)).status_code == 404
    assert (await http.get(f"/api/user/performance/profiles/{MISSING}")).status_code == 404
    assert (await http.get("/api/performance/profiles", headers=BOB)).json()["total_count"] == 0
    deleted = await http.delete(f"/api/user/performance/profiles/{pid}")
    assert deleted.status_code == 200 and deleted.json()["id"] == pid
    assert (await http.get(f"/api/performance/profiles/{pid}")).status_code == 404


@pytest.mark.parametrize(
    "body",
    [{"endpoints": ["http://x"]}, {"name": "n", "duration": "soon"}, {"name": " "}],
)  # fmt: skip
async def test_bad_profiles_are_400(http: httpx.AsyncClient, body: dict[str, Any]) -> None:
    response = await http.post("/api/performance/profiles", json=body)
    assert response.status_code == 400, response.text
    assert response.json()["code"] in ("meshery-server-1922", "meshery-server-1001")


async def test_run_profile_streams_progress_and_stores_the_result(
    http: httpx.AsyncClient, target: TargetServer
) -> None:
    profile = await make_profile(http, target, duration="1s", qps=30)
    response = await http.get(f"/api/user/performance/profiles/{profile['id']}/run")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/event-stream")
    events = sse_events(response.text)
    assert events[0] == {"status": "info", "message": "Initiating load test . . . ", "run_id": events[0]["run_id"]}
    assert any("progress" in e for e in events), events
    final = events[-1]
    assert final["status"] == "success", events
    result = final["result"]
    runner = result["runner_results"]
    # fortio was asked for, which this machine lacks: the built-in generator ran and says so.
    assert runner["load-generator"] == "builtin" and runner["requested-load-generator"] == "fortio"
    assert float(runner["RequestedQPS"]) == 30 and runner["ActualQPS"] > 0
    assert runner["StartTime"] and runner["EndTime"] and runner["DurationHistogram"]["Percentiles"]
    assert result["performance_profile"] == profile["id"] and result["user_id"] == "alice"
    stored = await http.get(f"/api/perf/profile/result/{result['meshery_id']}")
    assert stored.status_code == 200 and stored.json()["mesheryId"] == result["meshery_id"]
    for path in (
        f"/api/performance/profiles/{profile['id']}/results",
        f"/api/user/performance/profiles/{profile['id']}/results",
    ):
        page = (await http.get(path)).json()
        assert [r["meshery_id"] for r in page["results"]] == [result["meshery_id"]]
    again = (await http.get(f"/api/performance/profiles/{profile['id']}")).json()
    assert again["total_results"] == 1 and again["last_run"] is not None
    for path in ("/api/performance/results", "/api/user/performance/profiles/results", "/api/perf/profile/result"):
        page = (await http.get(path, params={"from": "2000-01-01T00:00:00Z", "pagesize": "all"})).json()
        assert "results" in page, (path, page)
        assert result["meshery_id"] in [r["meshery_id"] for r in page["results"]]
    assert (await http.get(f"/api/perf/profile/result/{result['meshery_id']}", headers=BOB)).status_code == 404
    assert (await http.get(f"/api/user/performance/profiles/{profile['id']}/run", headers=BOB)).status_code == 404


async def test_adhoc_runs_from_query_and_smp(http: httpx.AsyncClient, target: TargetServer) -> None:
    query = {"name": "adhoc", "url": f"{target.url}/q", "qps": "20", "c": "2", "t": "1", "dur": "s",
             "loadGenerator": "nighthawk", "mesh": "Istio", "uuid": "t-1", "headers": '{"x-a": "b"}'}  # fmt: skip
    events = sse_events((await http.get("/api/perf/profile", params=query)).text)
    final = events[-1]
    assert final["status"] == "success", events
    assert (
        final["result"]["name"] == "adhoc"
        and final["result"]["mesh"] == "Istio"
        and final["result"]["test_id"] == "t-1"
    )
    assert final["result"]["performance_profile"] is None
    smp = {"config": {"name": "smp", "duration": "1s",
                      "clients": [{"endpoint_urls": [f"{target.url}/smp"], "connections": 1, "rps": 10}]},
           "service_mesh": {"type": 5}}  # fmt: skip
    events = sse_events((await http.post("/api/perf/profile", json=smp)).text)
    assert events[-1]["status"] == "success" and events[-1]["result"]["mesh"] == "ISTIO", events
    for bad in (
        {"name": "x"},
        {"url": target.url},
        {"name": "x", "url": "ftp://host/"},
        {"name": "x", "url": target.url, "headers": "[]"},
    ):
        response = await http.get("/api/perf/profile", params=bad)
        assert response.status_code == 400, response.text
        assert response.json()["code"] in ("meshery-server-1923", "meshery-server-1001"), response.text  # 1001: no name


async def test_a_failing_run_ends_with_an_error_event(http: httpx.AsyncClient) -> None:
    events = sse_events(
        (await http.get("/api/perf/profile", params={"name": "nowhere", "url": "http://127.0.0.1:1/", "t": "1"})).text
    )
    assert events[-1]["status"] in ("success", "error"), events  # a refused port: errors by code, or an error event
    if events[-1]["status"] == "success":
        assert events[-1]["result"]["runner_results"]["RetCodes"], events


@pytest.mark.parametrize(
    "url", ["http://10.20.30.40/", "http://169.254.169.254/latest/meta-data/", "http://[fd00::1]:8080/"]
)
async def test_endpoints_outside_the_url_policy_are_refused(http: httpx.AsyncClient, url: str) -> None:
    """A load test sends traffic where the server's URL fetcher may not: no private or metadata targets."""
    for many in (url, json.dumps([url])):
        response = await http.get("/api/perf/profile", params={"name": "inside", "url": many, "t": "1"})
        assert response.status_code == 403, response.text
        assert response.json()["code"] == errors.ErrLoadTargetRefused.code


async def test_cancel_stops_a_run_on_the_replica_that_owns_it(
    app: Starlette, http: httpx.AsyncClient, target: TargetServer
) -> None:
    services = app.state.meshery.services
    profile = await make_profile(http, target, duration="20s", qps=5)
    assert (await http.delete(f"/api/user/performance/profiles/{profile['id']}/run")).status_code == 404
    token = context.activate(context.RequestContext(services=services, provider="None", user=User(user_id="alice")))
    try:
        started = asyncio.create_task(http.get(f"/api/user/performance/profiles/{profile['id']}/run"))
        # Wait for the run's first event on the bus, then cancel it through the route.
        first = await services.bus.subscribe(f"{runs.RUN_SUBJECT}.>")
        try:
            await asyncio.wait_for(anext(aiter(first)), TIMEOUT)
        finally:
            await first.unsubscribe()
        assert (
            await http.delete(f"/api/user/performance/profiles/{profile['id']}/run", headers=BOB)
        ).status_code == 404
        cancelled = await http.delete(f"/api/user/performance/profiles/{profile['id']}/run")
        assert cancelled.status_code == 200 and len(cancelled.json()["cancelled"]) == 1
        events = sse_events((await asyncio.wait_for(started, TIMEOUT)).text)
        assert events[-1] == {"status": "error", "message": "Load test cancelled"}
    finally:
        context.deactivate(token)
    assert (await http.get(f"/api/performance/profiles/{profile['id']}/results")).json()["total_count"] == 0


async def test_a_run_outlives_its_client(app: Starlette, http: httpx.AsyncClient, target: TargetServer) -> None:
    services = app.state.meshery.services
    profile = await make_profile(http, target, duration="300ms")
    from meshery.perf import plans, profiles
    from meshery.store import perf as repo

    row = await repo.get(services.store, repo.PerfProfileRow, profile["id"])
    changed = await services.bus.subscribe(profiles.RESULTS_CHANGED)
    try:
        run_id = runs.new_id()
        follower = await services.bus.subscribe(runs.subject(run_id))
        await runs.of(services).start(plans.from_profile(row, plans.Query(), user_id="alice"), run_id=run_id)
        await follower.unsubscribe()  # the client went away at once
        await asyncio.wait_for(anext(aiter(changed)), TIMEOUT)
    finally:
        await changed.unsubscribe()
    page = (await http.get(f"/api/performance/profiles/{profile['id']}/results")).json()
    assert page["total_count"] == 1


async def test_meshes_smi_and_test_configs(http: httpx.AsyncClient) -> None:
    meshes = (await http.get("/api/mesh")).json()
    assert "Istio" in meshes["available_meshes"] and meshes["availableMeshes"] == meshes["available_meshes"]
    assert (await http.get("/api/smi/results")).json()["results"] == []
    assert (await http.get(f"/api/smi/results/{MISSING}")).status_code == 404
    stored = await http.post("/api/user/prefs/perf", json={"name": "cfg", "duration": "10s", "clients": []})
    assert stored.status_code == 200, stored.text
    uuid_ = stored.text
    assert (await http.get("/api/user/prefs/perf", params={"uuid": uuid_})).json() == {
        "name": "cfg", "duration": "10s", "clients": [], "id": uuid_,
    }  # fmt: skip
    assert (await http.get("/api/user/prefs/perf", params={"uuid": uuid_}, headers=BOB)).status_code == 404
    assert (await http.get("/api/user/prefs/perf")).json()["total_count"] == 1
    assert (await http.delete("/api/user/prefs/perf", params={"uuid": uuid_}, headers=BOB)).status_code == 404
    assert (await http.delete("/api/user/prefs/perf", params={"uuid": uuid_})).status_code == 200
    assert (await http.get("/api/user/prefs/perf", params={"uuid": uuid_})).status_code == 404


async def test_schedule_routes(http: httpx.AsyncClient, target: TargetServer) -> None:
    bad = await http.post("/api/user/schedules", json={"name": "s", "cron_expression": "every day"})
    assert (
        bad.status_code == 400 and bad.json()["code"] == "meshery-server-1001"
    )  # not cron syntax (the spec's pattern)
    never = await http.post("/api/user/schedules", json={"name": "s", "cron_expression": "0 0 31 2 *"})
    assert never.status_code == 400 and never.json()["code"] == "meshery-server-1926"  # 31 February
    created = await http.post("/api/user/schedules", json={"name": "nightly", "cronExpression": "0 3 * * *"})
    assert created.status_code == 200, created.text
    schedule = created.json()
    assert schedule["cron_expression"] == "0 3 * * *" and schedule["missed_runs"] == 0 and schedule["next_run"]
    profile = await make_profile(http, target, schedule=schedule["id"])
    assert profile["schedule"] == schedule["id"]
    assert (
        await http.post("/api/user/performance/profiles", json={"name": "b", "schedule": schedule["id"]}, headers=BOB)
    ).status_code == 404
    assert (await http.get(f"/api/user/schedules/{schedule['id']}")).json()["name"] == "nightly"
    assert (await http.get(f"/api/user/schedules/{schedule['id']}", headers=BOB)).status_code == 404
    assert (await http.get("/api/user/schedules")).json()["total_count"] >= 1
    assert (await http.delete(f"/api/user/schedules/{schedule['id']}", headers=BOB)).status_code == 404
    assert (await http.delete(f"/api/user/schedules/{schedule['id']}")).status_code == 200
    assert (await http.get(f"/api/user/schedules/{schedule['id']}")).status_code == 404


async def test_graphql_reads_and_results_stream(app: Starlette, http: httpx.AsyncClient, target: TargetServer) -> None:
    profile = await make_profile(http, target, name="gql", duration="300ms")
    services = app.state.meshery.services
    token = context.activate(context.RequestContext(services=services, provider="None", user=User(user_id="alice")))
    try:
        stream = performance.subscribe_perf_results({"page": "0", "pageSize": "10"}, profile["id"])
        first = await asyncio.wait_for(anext(stream), TIMEOUT)
        assert first["total_count"] == 0
        events = sse_events((await http.get(f"/api/user/performance/profiles/{profile['id']}/run")).text)
        result_id = events[-1]["result"]["meshery_id"]
        second = await asyncio.wait_for(anext(stream), TIMEOUT)
        assert [r["meshery_id"] for r in second["results"]] == [result_id]
        await stream.aclose()
    finally:
        context.deactivate(token)
    query = """query($sel: PageFilter!, $pid: String!, $id: ID!) {
      getPerformanceProfiles(selector: $sel) { total_count profiles { id name load_generators total_results last_run } }
      fetchResults(selector: $sel, profileID: $pid) {
        total_count results { meshery_id runner_results test_start_time }
      }
      fetchAllResults(selector: $sel) { total_count results { meshery_id } }
      getPerfResult(id: $id) { meshery_id name performance_profile }
    }"""
    variables = {"sel": {"page": "0", "pageSize": "50", "search": "gql"}, "pid": profile["id"], "id": result_id}
    answer = (await http.post("/api/system/graphql/query", json={"query": query, "variables": variables})).json()
    assert "errors" not in answer, answer
    data = answer["data"]
    gql_profile = data["getPerformanceProfiles"]["profiles"][0]
    assert gql_profile["id"] == profile["id"] and gql_profile["total_results"] == 1 and gql_profile["last_run"]
    assert data["fetchResults"]["results"][0]["runner_results"]["load-generator"] == "builtin"
    assert data["getPerfResult"] == {"meshery_id": result_id, "name": "gql", "performance_profile": profile["id"]}
    bob = (
        await http.post("/api/system/graphql/query", json={"query": query, "variables": variables}, headers=BOB)
    ).json()
    assert bob["data"]["getPerfResult"] is None and bob["data"]["fetchResults"]["total_count"] == 0
