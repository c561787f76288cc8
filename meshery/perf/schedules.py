"""Schedules: cron expressions that start runs of the profiles naming them, on exactly one replica.

Every replica ticks once a second. For each schedule it looks at the due times after
``checked_until`` up to now. The latest one is run if it is recent (``GRACE_S``); the ones before
it, and a latest one that is too old, were missed (no replica was up) and are not run late:
they are counted in ``missed_runs``/``last_missed`` and reported as an event. Dealing with a
due time starts by inserting its claim row (schedule id, due time): the primary key lets one
replica's insert succeed, so one replica starts the run and counts the misses, whatever the
database (SQLite or PostgreSQL) and however many replicas tick at once.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from cronsim import CronSim, CronSimError

from generated import errors
from meshery.context import Services
from meshery.events import NewEvent, raise_event
from meshery.perf import plans, profiles, runs, wire
from meshery.store import perf as repo

log = logging.getLogger(__name__)

TICK_S = 1.0
GRACE_S = 30.0  # a due time older than this when first seen was missed, not late
MAX_COUNTED = 100_000  # due times counted per tick at most (a long outage of a per-second schedule)


def _now() -> datetime:
    return datetime.now(UTC)


# (lowest, highest) of each field of a five-field expression; a six-field one starts with seconds.
_BOUNDS = ((0, 59), (0, 23), (1, 31), (1, 12), (0, 7))


def _wrap(item: str, low: int, high: int) -> str:
    """A range that runs backwards ("fri-mon" as ``5-1``) as the two ranges it wraps around to."""
    span, slash, step = item.partition("/")
    start, dash, end = span.partition("-")
    if not dash or not (start.isdigit() and end.isdigit()) or int(start) <= int(end):
        return item
    suffix = slash + step
    return f"{start}-{high}{suffix},{low}-{end}{suffix}"


def _normalize(text: str) -> str:
    fields = text.split()
    bounds = _BOUNDS if len(fields) == 5 else ((0, 59), *_BOUNDS)
    if len(fields) not in (5, 6):
        return text
    return " ".join(
        ",".join(_wrap(item, low, high) for item in field.split(","))
        for field, (low, high) in zip(fields, bounds, strict=True)
    )


def check(expression: str) -> str:
    """The expression if cron can read it (five fields, or six with seconds), else a catalogued 400.

    A range that runs backwards wraps around (``0 22-2 * * *`` is 22:00 to 02:00).
    """
    text = _normalize(" ".join((expression or "").split()))
    if not text:
        raise errors.ErrScheduleInvalid("the schedule needs a cron expression")
    try:
        CronSim(text, datetime(2026, 1, 1, tzinfo=UTC))
    except Exception as exc:  # cronsim's errors for every malformed field (CronSimError, ValueError, ...)
        raise errors.ErrScheduleInvalid(f"cron expression {text[:128]!r}: {exc}") from None
    return text


def next_due(expression: str, after: datetime) -> datetime | None:
    try:
        return next(CronSim(expression, _utc(after)))
    except (CronSimError, ValueError, StopIteration):
        return None


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def due_between(expression: str, after: datetime, until: datetime) -> tuple[list[datetime], int]:
    """The due times in (after, until]: the last few kept, and how many there were."""
    kept: list[datetime] = []
    count = 0
    for due in CronSim(expression, _utc(after)):
        if due > until or count >= MAX_COUNTED:
            break
        count += 1
        kept = [*kept[-1:], due]
    return kept, count


# --- the caller's schedules -------------------------------------------------------------------


def schedule_wire(row: repo.ScheduleRow) -> dict[str, Any]:
    return wire.schedule(row, next_run=next_due(row.cron_expression, max(_utc(row.checked_until), _now())))


async def save(services: Services, user_id: str, body: Mapping[str, Any]) -> dict[str, Any]:
    name = str(body.get("name") or "").strip()
    expression = body.get("cron_expression") or body.get("cronExpression")
    if not name:
        raise errors.ErrScheduleInvalid("the schedule needs a name")
    expression = check(str(expression or ""))
    if body.get("id") and len(str(body["id"])) > profiles.ID_LENGTH:
        raise errors.ErrScheduleInvalid("a schedule id is a UUID")
    now = _now()
    existing = await repo.get(services.store, repo.ScheduleRow, str(body["id"])) if body.get("id") else None
    changed = existing is None or existing.cron_expression != expression
    row = repo.ScheduleRow(
        id=existing.id if existing else str(body.get("id") or uuid.uuid4()),
        user_id=user_id,
        name=name[:255],
        cron_expression=expression,
        last_run=existing.last_run if existing else None,
        missed_runs=existing.missed_runs if existing else 0,
        last_missed=existing.last_missed if existing else None,
        # A new or changed expression counts from now: nothing before it was due.
        checked_until=now if changed or existing is None else existing.checked_until,
        created_at=existing.created_at if existing else now,
        updated_at=now,
    )
    return schedule_wire(await repo.save(services.store, row))


async def get(services: Services, schedule_id: str) -> dict[str, Any]:
    row = await repo.get(services.store, repo.ScheduleRow, schedule_id)
    if row is None:
        raise errors.ErrScheduleNotFound(f"no schedule {schedule_id}")
    return schedule_wire(row)


async def list_page(services: Services, query: repo.PageQuery) -> dict[str, Any]:
    rows, total = await repo.list_schedules(services.store, query)
    return wire.page(
        "schedules", [schedule_wire(r) for r in rows], page=query.page, page_size=query.page_size, total=total
    )


async def delete(services: Services, schedule_id: str) -> dict[str, Any]:
    answer = await get(services, schedule_id)
    if await repo.remove(services.store, repo.ScheduleRow, schedule_id) is None:
        raise errors.ErrScheduleNotFound(f"no schedule {schedule_id}")
    await repo.forget_claims(services.store, schedule_id)
    return answer


# --- the scheduler ----------------------------------------------------------------------------


async def tick(services: Services, *, now: datetime | None = None) -> list[str]:
    """Deal with every schedule's due times up to ``now``; the ids of the runs this replica started."""
    now = now or _now()
    started: list[str] = []
    for schedule in await repo.all_schedules(services.store):
        try:
            started += await _deal_with(services, schedule, now)
        except Exception:  # one broken schedule must not stop the others
            log.exception("schedule %s could not be dealt with", schedule.id)
    return started


async def _deal_with(services: Services, schedule: repo.ScheduleRow, now: datetime) -> list[str]:
    dues, count = due_between(schedule.cron_expression, schedule.checked_until, now)
    if not dues:
        return []
    latest = dues[-1]
    on_time = (now - latest) <= timedelta(seconds=GRACE_S)
    missed = count - (1 if on_time else 0)
    replica = services.instance_id or "replica"
    if not await repo.claim(services.store, schedule_id=schedule.id, due_at=latest, replica=replica, missed=missed):
        return []  # another replica has this due time
    last_missed = (dues[-2] if on_time and len(dues) > 1 else latest) if missed else None
    await repo.advance(
        services.store, schedule.id, checked_until=latest, ran=latest if on_time else None,
        missed=missed, last_missed=last_missed,
    )  # fmt: skip
    if missed:
        log.warning(
            "schedule %s: %d run(s) missed while no replica ran (last due %s)", schedule.id, missed, last_missed
        )
        await raise_event(
            services,
            NewEvent(
                category="performance",
                action="schedule_missed",
                description=f"{missed} scheduled run(s) of schedule {schedule.name} were missed while no replica ran",
                severity="warning",
                acted_upon=schedule.id,
                user_id=schedule.user_id,
                metadata={
                    "missed": missed,
                    "last_missed": str(last_missed),
                    "cron_expression": schedule.cron_expression,
                },
            ),
        )
    if not on_time:
        return []
    started = []
    for profile in await repo.profiles_on_schedule(services.store, schedule.id):
        if profile.user_id != schedule.user_id:
            continue  # a profile names only its owner's schedules
        try:
            plan = plans.from_profile(profile, plans.Query(), user_id=profile.user_id, trigger="schedule")
            log.info("schedule %s due %s: starting profile %s", schedule.id, latest, profile.id)
            started.append(await runs.of(services).start(plan))
        except errors.MesheryError as exc:
            log.warning("schedule %s: profile %s cannot run: %s", schedule.id, profile.id, exc)
            continue
    return started


async def run(services: Services) -> None:
    """The scheduler loop of this replica (a background task of the server)."""
    while True:
        try:
            await tick(services)
        except Exception:
            log.exception("the performance scheduler's tick failed")
        await asyncio.sleep(TICK_S)
