"""SQL statement counts of hot routes stay at their baselines (tests/query_counts.json)."""

from __future__ import annotations

import httpx
from starlette.applications import Starlette

from tests.fixtures.queries import check_baseline, counting


async def test_database_summary_statements(client: httpx.AsyncClient, app: Starlette, database_url: str) -> None:
    store = app.state.meshery.services.store
    await client.get("/api/system/database")  # warm: the table list is cached afterwards
    with counting(store) as statements:
        assert (await client.get("/api/system/database")).status_code == 200
    dialect = "postgresql" if database_url else "sqlite"
    check_baseline(f"GET /api/system/database ({dialect})", statements)


async def test_version_runs_no_sql(client: httpx.AsyncClient, app: Starlette) -> None:
    store = app.state.meshery.services.store
    with counting(store) as statements:
        assert (await client.get("/api/system/version")).status_code == 200
    assert statements == []
