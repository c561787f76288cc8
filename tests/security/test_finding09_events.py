"""Finding 9: events by id are the owner's: bob neither marks nor deletes alice's events (both databases)."""

from __future__ import annotations

from typing import Any

import httpx

from generated import errors
from tests.security.conftest import World


async def _event(http: httpx.AsyncClient, event_id: str) -> dict[str, Any] | None:
    page = (await http.get("/api/system/events", params={"pagesize": "all"})).json()
    return next((e for e in page["events"] if e["id"] == event_id), None)


async def test_events_by_id_are_per_user(world: World) -> None:
    alice, bob = world.clients["alice"], world.clients["bob"]
    event_id = world.records["alice"].ids["event"]
    assert await _event(bob, event_id) is None

    marked = await bob.put(f"/api/system/events/status/{event_id}", json={"status": "read"})
    assert marked.status_code == 404 and "alice" not in marked.text  # not the event
    assert marked.json()["code"] in (errors.ErrEventNotFound.code, errors.ErrNotOwned.code)
    deleted = await bob.delete(f"/api/system/events/{event_id}")
    assert deleted.status_code == 404
    await bob.put("/api/system/events/status", json={"ids": [event_id], "status": "read"})
    await bob.request("DELETE", "/api/system/events", json={"ids": [event_id]})

    kept = await _event(alice, event_id)
    assert kept is not None and kept["status"] == "unread"
    mine = await alice.put(f"/api/system/events/status/{event_id}", json={"status": "read"})
    assert mine.status_code == 200 and mine.json()["status"] == "read"
    assert (await alice.delete(f"/api/system/events/{event_id}")).status_code == 204
