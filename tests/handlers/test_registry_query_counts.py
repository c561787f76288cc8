"""Registry lists run a constant number of SQL statements (baselines in tests/query_counts.json)."""

from __future__ import annotations

import httpx
import pytest
from starlette.applications import Starlette

from tests.fixtures.queries import check_baseline, counting

ROUTES = [
    "/api/meshmodels/models",
    "/api/meshmodels/components?search=widget",
    "/api/meshmodels/models/demo/components?version=1.0.0",
    "/api/registry/relationships?version=1.0.0",
]


@pytest.mark.parametrize("path", ROUTES)
async def test_registry_list_statements(
    rclient: httpx.AsyncClient, registry_app: Starlette, database_url: str, path: str
) -> None:
    store = registry_app.state.meshery.services.store
    assert (await rclient.get(path, params={"pagesize": 1})).status_code == 200  # warm the per-generation caches
    with counting(store) as few:
        assert (await rclient.get(path, params={"pagesize": 1})).status_code == 200
    with counting(store) as many:
        assert (await rclient.get(path, params={"pagesize": "all"})).status_code == 200
    assert len(few) == len(many)  # the page size does not change the statement count
    dialect = "postgresql" if database_url else "sqlite"
    check_baseline(f"GET {path.split('?', maxsplit=1)[0]} ({dialect})", many)
