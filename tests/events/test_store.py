"""The events repository: the per-severity summary stays equal to the rows under any writes."""

from __future__ import annotations

import asyncio
import random
import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select

from meshery.context import Services
from meshery.store import Store
from meshery.store import events as event_store
from meshery.store.events import EventCount, EventRow


def _row(rnd: random.Random) -> dict[str, Any]:
    now = datetime.now(UTC)
    return {
        "id": str(uuid.uuid4()),
        "user_id": rnd.choice(["alice", "bob", None]),
        "system_id": None,
        "acted_upon": None,
        "operation_id": None,
        "category": rnd.choice(["connection", "pattern"]),
        "action": rnd.choice(["create", "delete"]),
        "severity": rnd.choice(["error", "warning", "success"]),
        "status": rnd.choice(["read", "unread"]),
        "description": "d",
        "metadata": {},
        "created_at": now,
        "updated_at": now,
        "deleted_at": None,
    }


async def _summary_matches_rows(store: Store) -> None:
    async with store.read() as session:
        rows = {
            (u or "", c, a, s, st): n
            for u, c, a, s, st, n in (
                await session.execute(
                    select(
                        EventRow.user_id,
                        EventRow.category,
                        EventRow.action,
                        EventRow.severity,
                        EventRow.status,
                        func.count(),
                    ).group_by(EventRow.user_id, EventRow.category, EventRow.action, EventRow.severity, EventRow.status)
                )
            ).all()
        }
        summary = {
            (r.user_key, r.category, r.action, r.severity, r.status): r.count
            for r in (await session.execute(select(EventCount))).scalars()
            if r.count
        }
    assert summary == rows


async def test_summary_follows_concurrent_inserts_status_changes_and_deletes(services: Services) -> None:
    store = services.store
    rnd = random.Random(7)
    rows = [_row(rnd) for _ in range(300)]
    await asyncio.gather(*(event_store.insert_events(store, rows[i : i + 30]) for i in range(0, 300, 30)))
    ids = [r["id"] for r in rows]
    now = datetime.now(UTC)
    # Overlapping writers flip the same events; each row must be counted once whatever wins.
    await asyncio.gather(
        *(
            event_store.set_status(store, rnd.sample(ids, 80), rnd.choice(["read", "unread"]), now=now)
            for _ in range(12)
        )
    )
    await asyncio.gather(*(event_store.delete_events(store, rnd.sample(ids, 40)) for _ in range(6)))
    await _summary_matches_rows(store)
    page = await event_store.list_events(store, event_store.EventQuery(user_id="alice", severities=("error",)))
    direct = await event_store.list_events(
        store, event_store.EventQuery(user_id="alice", severities=("error",), search="d")
    )
    assert (page.total, page.by_severity) == (direct.total, direct.by_severity)
