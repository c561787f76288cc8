"""Registry REST routes on SQLite and PostgreSQL, every answer checked against the spec."""

from __future__ import annotations

import httpx
import pytest

PREFIXES = ["/api/meshmodels", "/api/registry"]


@pytest.mark.parametrize("prefix", PREFIXES)
async def test_models_list_shows_newest_version(rclient: httpx.AsyncClient, prefix: str) -> None:
    body = (await rclient.get(f"{prefix}/models")).json()
    assert (body["page"], body["page_size"], body["total_count"]) == (0, 25, 1)
    (model,) = body["models"]
    assert model["name"] == "demo"
    assert model["model"]["version"] == "2.0.0"
    assert model["components_count"] == 1
    every = (await rclient.get(f"{prefix}/models/demo", params={"version": "1.0.0"})).json()
    assert [m["model"]["version"] for m in every["models"]] == ["1.0.0"]
    assert every["models"][0]["components_count"] == 3
    assert every["models"][0]["relationships_count"] == 1


async def test_components_search_page_and_trim(rclient: httpx.AsyncClient) -> None:
    old = (await rclient.get("/api/meshmodels/components", params={"version": "1.0.0", "pagesize": "all"})).json()
    assert sorted(c["component"]["kind"] for c in old["components"]) == ["GadgetSet", "Note", "Widget"]
    found = (await rclient.get("/api/meshmodels/components", params={"version": "1.0.0", "search": "gadg"})).json()
    assert [c["displayName"] for c in found["components"]] == ["Gadget Set"]
    (comp,) = found["components"]
    assert comp["model"]["name"] == "demo" and comp["status"] == "enabled"
    trimmed = (await rclient.get("/api/registry/components/Widget", params={"trim": "true"})).json()
    assert trimmed["components"][0]["component"]["schema"] == ""
    full = (await rclient.get("/api/registry/models/demo/components/Widget")).json()
    assert '"minimum":1' in full["components"][0]["component"]["schema"]
