"""The in-process search index finds what the SQL search finds, in list order, and follows writes."""

from __future__ import annotations

import httpx

from meshery.registry.search_index import SearchIndex


def test_find_returns_each_row_once_in_order() -> None:
    index = SearchIndex.build("g", [("a", "alpha kind"), ("b", "beta betakind"), ("c", "gamma")])
    assert index.find("kind") == ["a", "b"]
    assert index.find("ET") == ["b"]
    assert index.find("ha\nbe") == []  # never across two keys
    assert index.find("") == ["a", "b", "c"]
    assert index.find("zzz") == []


async def test_index_and_sql_agree_and_follow_writes(rclient: httpx.AsyncClient) -> None:
    async def kinds(**params: str) -> list[str]:
        body = (await rclient.get("/api/meshmodels/components", params={"pagesize": "all", **params})).json()
        return sorted(c["component"]["kind"] for c in body["components"])

    assert await kinds(search="dget") == await kinds(search="dget", order="kind") == ["Widget"]
    page = (await rclient.get("/api/meshmodels/components", params={"search": "e", "pagesize": 1, "page": 0})).json()
    assert page["total_count"] == 1 and len(page["components"]) == 1
    model = (await rclient.get("/api/registry/models")).json()["models"][0]
    assert (await rclient.delete(f"/api/registry/models/{model['id']}")).status_code == 200
    # The 1.0.0 model is now the latest: its components are searchable at once.
    assert await kinds(search="gadget") == await kinds(search="gadget", order="kind") == ["GadgetSet"]
