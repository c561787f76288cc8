"""Two server processes on one PostgreSQL and one NATS: schedules run once, results reach both replicas.

A schedule firing every two seconds is ticked by both replicas: every due time is claimed once
and yields one result. A run started on one replica is pushed by ``subscribePerfResults`` on the
other (progress and the result travel over the bus).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator

import httpx
import pytest
import websockets

from meshery.perf.target import TargetServer
from tests.fixtures.nats import NatsServer
from tests.fixtures.postgres import Postgres
from tests.fixtures.server import ServerProcess

pytestmark = [pytest.mark.postgres, pytest.mark.nats]

GRAPHQL = "/api/system/graphql/query"
TIMEOUT = 60.0


@pytest.fixture(scope="module")
def target() -> Iterator[TargetServer]:
    with TargetServer.in_thread() as server:
        yield server


@pytest.fixture(scope="module")
def replicas(
    postgres_server: Postgres, nats_server: NatsServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[list[ServerProcess]]:
    database = postgres_server.create_database()
    env = {"DATABASE_URL": postgres_server.url(database), "NATS_URL": nats_server.url}
    servers = [ServerProcess(workdir=tmp_path_factory.mktemp("perf-replica"), env=env) for _ in range(2)]
    try:
        for server in servers:
            server.start_background()
        for server in servers:
            server.wait_ready()
        yield servers
    finally:
        for server in servers:
            server.stop()
        postgres_server.drop_database(database)


async def test_a_run_on_one_replica_is_pushed_on_the_other(replicas: list[ServerProcess], target: TargetServer) -> None:
    a, b = replicas
    async with httpx.AsyncClient(base_url=a.url, timeout=TIMEOUT) as http:
        profile = (
            await http.post(
                "/api/performance/profiles",
                json={"name": "x-replica", "endpoints": [target.url], "duration": "500ms", "qps": 10},
            )
        ).json()
    query = (
        'subscription($pid: String!) { subscribePerfResults(selector: {page: "0", pageSize: "10"}, profileID: $pid)'
        " { total_count results { meshery_id } } }"
    )
    async with websockets.connect(b.ws_url + GRAPHQL, subprotocols=["graphql-transport-ws"]) as ws:
        await ws.send(json.dumps({"type": "connection_init"}))
        assert json.loads(await ws.recv())["type"] == "connection_ack"
        await ws.send(
            json.dumps(
                {"id": "1", "type": "subscribe", "payload": {"query": query, "variables": {"pid": profile["id"]}}}
            )
        )
        first = json.loads(await asyncio.wait_for(ws.recv(), TIMEOUT))
        assert first["payload"]["data"]["subscribePerfResults"]["total_count"] == 0
        async with httpx.AsyncClient(base_url=a.url, timeout=TIMEOUT) as http:
            run = await http.get(f"/api/user/performance/profiles/{profile['id']}/run")
        events = [json.loads(line[6:]) for line in run.text.splitlines() if line.startswith("data: ")]
        assert events[-1]["status"] == "success", events
        pushed = json.loads(await asyncio.wait_for(ws.recv(), TIMEOUT))
        page = pushed["payload"]["data"]["subscribePerfResults"]
        assert [r["meshery_id"] for r in page["results"]] == [events[-1]["result"]["meshery_id"]]


async def test_a_schedule_runs_each_due_time_on_one_replica(
    replicas: list[ServerProcess], target: TargetServer
) -> None:
    a, b = replicas
    async with httpx.AsyncClient(base_url=a.url, timeout=TIMEOUT) as http:
        schedule = (
            await http.post("/api/user/schedules", json={"name": "every2s", "cron_expression": "*/2 * * * * *"})
        ).json()
        profile = (
            await http.post(
                "/api/performance/profiles",
                json={
                    "name": "tick",
                    "endpoints": [target.url],
                    "duration": "200ms",
                    "qps": 5,
                    "schedule": schedule["id"],
                },
            )
        ).json()
        async with asyncio.timeout(TIMEOUT):
            # Polling another process's answers (no in-process event to wait on).
            while (await http.get(f"/api/performance/profiles/{profile['id']}/results")).json()["total_count"] < 3:  # noqa: ASYNC110
                await asyncio.sleep(0.5)
        # Stop the schedule, let runs in flight end, then count: one result per due time claimed.
        await http.post("/api/performance/profiles", json={**profile, "schedule": None})
        await asyncio.sleep(1.5)
        results = (
            await http.get(f"/api/performance/profiles/{profile['id']}/results", params={"pagesize": "all"})
        ).json()
    starts = sorted(r["test_start_time"] for r in results["results"])
    async with httpx.AsyncClient(base_url=b.url, timeout=TIMEOUT) as other:
        seen = (await other.get(f"/api/user/schedules/{schedule['id']}")).json()
    assert seen["last_run"] is not None
    # Every due time ran once: no two runs started within the same two-second slot.
    slots = [s[:19] for s in starts]
    assert len(slots) == len(set(slots)) >= 3, starts
