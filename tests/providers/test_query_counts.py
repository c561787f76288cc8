"""SQL statement counts of the preference routes (baselines in tests/query_counts.json)."""

from __future__ import annotations

import httpx
from starlette.applications import Starlette

from tests.fixtures.queries import check_baseline, counting


async def test_preferences_statements(client: httpx.AsyncClient, app: Starlette, database_url: str) -> None:
    store = app.state.meshery.services.store
    dialect = "postgresql" if database_url else "sqlite"
    await client.post("/api/user/prefs", json={"anonymousUsageStats": False})
    with counting(store) as statements:
        assert (await client.get("/api/user/prefs")).status_code == 200
    check_baseline(f"GET /api/user/prefs ({dialect})", statements)


async def test_preference_update_statements(client: httpx.AsyncClient, app: Starlette, database_url: str) -> None:
    store = app.state.meshery.services.store
    dialect = "postgresql" if database_url else "sqlite"
    await client.post("/api/user/prefs", json={"anonymousUsageStats": False})
    with counting(store) as statements:
        assert (await client.post("/api/user/prefs", json={"anonymousPerfResults": False})).status_code == 200
    check_baseline(f"POST /api/user/prefs ({dialect})", statements)


async def test_session_checks_run_no_sql(client: httpx.AsyncClient, app: Starlette) -> None:
    store = app.state.meshery.services.store
    with counting(store) as statements:
        assert (await client.get("/api/token")).status_code == 200
        assert (await client.get("/api/user")).status_code == 200
    assert statements == []
