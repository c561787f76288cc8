"""Schedules: each due time is claimed once, runs start on time, missed runs are reported (both databases)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import update
from starlette.applications import Starlette

from generated import errors
from meshery.perf import profiles, schedules
from meshery.perf.target import TargetServer
from meshery.providers.local import LOCAL_USER
from meshery.store import perf as repo

TIMEOUT = 30.0
# In the future, so the server's own scheduler (which ticks with the real time) leaves these schedules alone.
T0 = datetime(2030, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def target() -> Iterator[TargetServer]:
    with TargetServer.in_thread() as server:
        yield server


async def _schedule(app: Starlette, expression: str, *, checked_until: datetime) -> str:
    services = app.state.meshery.services
    made = await schedules.save(
        services, LOCAL_USER.user_id, {"name": f"s-{uuid.uuid4()}", "cron_expression": expression}
    )
    async with services.store.write() as session:
        await session.execute(
            update(repo.ScheduleRow).where(repo.ScheduleRow.id == made["id"]).values(checked_until=checked_until)
        )
    return str(made["id"])


def test_cron_expressions() -> None:
    assert schedules.check("  */5  * * * * ") == "*/5 * * * *"
    assert schedules.check("*/2 * * * * *") == "*/2 * * * * *"  # seconds
    assert schedules.check("0 22-2 * * 5-1") == "0 22-23,0-2 * * 5-7,0-1"  # backwards ranges wrap around
    for bad in ("", "every day", "61 * * * *"):
        with pytest.raises(errors.ErrScheduleInvalid):
            schedules.check(bad)
    dues, count = schedules.due_between("* * * * *", T0, T0 + timedelta(minutes=10))
    assert count == 10 and dues[-1] == T0 + timedelta(minutes=10)


async def test_one_claim_per_due_time(app: Starlette) -> None:
    services = app.state.meshery.services
    schedule_id = str(uuid.uuid4())
    claims = await asyncio.gather(
        *(repo.claim(services.store, schedule_id=schedule_id, due_at=T0, replica=f"r{i}", missed=0) for i in range(5))
    )
    assert sorted(claims) == [False, False, False, False, True]
    assert await repo.claim(
        services.store, schedule_id=schedule_id, due_at=T0 + timedelta(seconds=1), replica="r", missed=0
    )


async def test_a_due_run_starts_once_and_earlier_ones_count_as_missed(
    app: Starlette, client: httpx.AsyncClient, target: TargetServer
) -> None:
    services = app.state.meshery.services
    schedule_id = await _schedule(app, "* * * * *", checked_until=T0)
    profile = await profiles.save_profile(
        services, LOCAL_USER.user_id,
        {"name": "scheduled", "endpoints": [target.url], "duration": "200ms", "qps": 10, "schedule": schedule_id},
        now=T0,
    )  # fmt: skip
    now = T0 + timedelta(minutes=10)
    changed = await services.bus.subscribe(profiles.RESULTS_CHANGED)
    try:
        started = await schedules.tick(services, now=now)
        assert len(started) == 1
        assert await schedules.tick(services, now=now) == []  # dealt with: a second replica does nothing
        await asyncio.wait_for(anext(aiter(changed)), TIMEOUT)
    finally:
        await changed.unsubscribe()
    row = await repo.get(services.store, repo.ScheduleRow, schedule_id)
    assert row.missed_runs == 9 and row.last_run is not None and row.checked_until.replace(tzinfo=UTC) == now
    results = (await client.get(f"/api/performance/profiles/{profile['id']}/results")).json()
    assert results["total_count"] == 1
    assert results["results"][0]["runner_results"]["load-generator"] == "builtin"
    shown = (await client.get(f"/api/user/schedules/{schedule_id}")).json()
    assert shown["missed_runs"] == shown["missedRuns"] == 9 and shown["last_missed"]


async def test_runs_missed_while_every_replica_was_down_are_reported_not_run(
    app: Starlette, client: httpx.AsyncClient, target: TargetServer
) -> None:
    services = app.state.meshery.services
    schedule_id = await _schedule(app, "*/10 * * * *", checked_until=T0)
    profile = await profiles.save_profile(
        services, LOCAL_USER.user_id, {"name": "late", "endpoints": [target.url], "schedule": schedule_id}, now=T0
    )
    # Up again an hour later, 5 minutes after the last due time: nothing runs late.
    assert await schedules.tick(services, now=T0 + timedelta(minutes=65)) == []
    row = await repo.get(services.store, repo.ScheduleRow, schedule_id)
    assert row.missed_runs == 6 and row.last_run is None
    assert (await client.get(f"/api/performance/profiles/{profile['id']}/results")).json()["total_count"] == 0
    events = (await client.get("/api/system/events", params={"pagesize": "all"})).json()
    missed = [
        e
        for e in events["events"]
        if e.get("action") == "schedule_missed" and e.get("actedUpon", e.get("acted_upon")) == schedule_id
    ]
    assert len(missed) == 1 and "6 scheduled run(s)" in missed[0]["description"]
