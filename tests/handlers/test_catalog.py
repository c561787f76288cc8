"""The catalog under the local provider on both databases: publish, list (REST and GraphQL),
unpublish, the catalogued refusals and sharing (not offered locally); every answer contract-checked."""

from __future__ import annotations

import asyncio
import base64
import uuid
from typing import Any

import httpx
import yaml
from starlette.applications import Starlette

from generated import errors
from handlers import designs as design_handlers
from meshery import context
from meshery.providers.local import LOCAL_USER
from tests.filters.modules import envoy_filter, module
from tests.fixtures.queries import check_baseline, counting

DESIGN = """name: {name}
schemaVersion: designs.meshery.io/v1beta1
version: 0.0.3
components: []
relationships: []
"""
TIMEOUT = 20.0  # generous: the machine is shared
CATALOG_DATA = {
    "class": "community",
    "compatibility": ["Kubernetes", "Istio"],
    "pattern_caveats": "none",
    "pattern_info": "a demo",
    "type": "Deployment",
}


async def save(http: httpx.AsyncClient, name: str) -> str:
    response = await http.post("/api/pattern", json={"pattern_data": {"pattern_file": DESIGN.format(name=name)}})
    assert response.status_code == 200, response.text
    return str(response.json()[0]["id"])


async def catalog(http: httpx.AsyncClient, **params: Any) -> dict[str, Any]:
    response = await http.get("/api/pattern/catalog", params=params)
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


async def test_publish_list_unpublish(client: httpx.AsyncClient) -> None:
    design = await save(client, "web")
    await save(client, "private-one")
    assert (await catalog(client))["patterns"] == []

    published = await client.post("/api/pattern/catalog/publish", json={"id": design, "catalog_data": CATALOG_DATA})
    assert published.status_code == 202, published.text
    request = published.json()
    assert (request["content_id"], request["content_name"], request["content_type"]) == (design, "web", "pattern")
    assert request["status"] == "approved" and request["contentName"] == "web"
    assert request["catalog_data"]["publishedVersion"] == "0.0.3"

    page = await catalog(client)
    assert (page["page"], page["page_size"], page["total_count"], page["pageSize"]) == (0, 0, 1, 0)
    (item,) = page["patterns"]
    assert (item["id"], item["visibility"]) == (design, "published")
    assert item["catalog_data"]["type"] == "Deployment" and item["catalogData"]["class"] == "community"
    assert yaml.safe_load(item["pattern_file"])["name"] == "web"
    # The owner still reads it among their designs, now published.
    own = (await client.get(f"/api/pattern/{design}")).json()
    assert own["visibility"] == "published"

    gone = await client.request("DELETE", "/api/pattern/catalog/unpublish", json={"id": design})
    assert gone.status_code == 200, gone.text
    assert gone.json()["status"] == "unpublished"
    assert (await catalog(client))["total_count"] == 0
    after = (await client.get(f"/api/pattern/{design}")).json()
    assert after["visibility"] == "private" and after["catalog_data"]["class"] == "community"

    again = await client.request("DELETE", "/api/pattern/catalog/unpublish", json={"id": design})
    assert (again.status_code, again.json()["code"]) == (409, errors.ErrCatalogNotPublished.code)
    # Publishing again without catalog data keeps the data it had.
    republished = await client.post("/api/pattern/catalog/publish", json={"id": design})
    assert republished.status_code == 202 and republished.json()["catalog_data"]["class"] == "community"


async def test_catalog_filters_and_paging(client: httpx.AsyncClient) -> None:
    ids = {}
    for name, data in (
        ("alpha", {**CATALOG_DATA, "compatibility": ["kubernetes"], "type": "Security", "class": "official"}),
        ("beta", {**CATALOG_DATA, "compatibility": ["Istio", "Linkerd"], "type": "Deployment"}),
        ("gamma", {**CATALOG_DATA, "compatibility": ["Consul"], "type": "Workloads", "class": "verified"}),
    ):
        ids[name] = await save(client, name)
        answer = await client.post("/api/pattern/catalog/publish", json={"id": ids[name], "catalogData": data})
        assert answer.status_code == 202, answer.text

    def names(page: dict[str, Any]) -> list[str]:
        return [p["name"] for p in page["patterns"]]

    assert names(await catalog(client, order="name asc")) == ["alpha", "beta", "gamma"]
    assert names(await catalog(client, technology="istio")) == ["beta"]
    assert sorted(names(await catalog(client, technology=["linkerd", "consul"]))) == ["beta", "gamma"]
    assert names(await catalog(client, type="security")) == ["alpha"]
    assert names(await catalog(client, **{"class": '["verified","official"]', "order": "name"})) == ["alpha", "gamma"]
    assert names(await catalog(client, search="AM")) == ["gamma"]
    second = await catalog(client, order="name asc", page=1, pagesize=2)
    assert (names(second), second["total_count"], second["page_size"]) == (["gamma"], 3, 2)
    assert names(await catalog(client, order="name desc", pagesize="all")) == ["gamma", "beta", "alpha"]


async def test_graphql_catalog(client: httpx.AsyncClient) -> None:
    design = await save(client, "gql")
    await client.post("/api/pattern/catalog/publish", json={"id": design, "catalog_data": CATALOG_DATA})
    query = """query($s: CatalogSelector!) { catalogPatterns: fetchPatternCatalogContent(selector: $s) {
        id name user_id owner pattern_file visibility catalog_data created_at updatedAt type { String } } }"""
    selector = {"page": "0", "pagesize": "10", "search": "", "order": "", "technology": ["istio"]}
    body = (await client.post("/api/system/graphql/query", json={"query": query, "variables": {"s": selector}})).json()
    assert "errors" not in body, body
    (item,) = body["data"]["catalogPatterns"]
    assert (item["id"], item["visibility"], item["owner"]) == (design, "published", item["user_id"])
    assert item["catalog_data"]["pattern_info"] == "a demo" and item["type"] == {"String": "Design"}
    assert yaml.safe_load(item["pattern_file"])["name"] == "gql"
    none = {**selector, "patternType": ["Scaling"]}
    body = (await client.post("/api/system/graphql/query", json={"query": query, "variables": {"s": none}})).json()
    assert body["data"]["catalogPatterns"] == []
    bad = {**selector, "pagesize": "ten"}
    body = (await client.post("/api/system/graphql/query", json={"query": query, "variables": {"s": bad}})).json()
    assert body["errors"] and body["data"] is None


async def test_refusals(client: httpx.AsyncClient) -> None:
    unknown = str(uuid.uuid4())
    for method, url, body, status, code in (
        ("POST", "/api/pattern/catalog/publish", {"id": unknown}, 404, errors.ErrCatalogContentNotFound),
        ("POST", "/api/pattern/catalog/publish", {"id": "not-a-uuid"}, 400, errors.ErrRequestValidation),
        ("DELETE", "/api/pattern/catalog/unpublish", {"id": unknown}, 404, errors.ErrCatalogContentNotFound),
        ("POST", "/api/content/design/share", {"contentId": unknown, "emails": ["a@b.c"]}, 403,
         errors.ErrShareNotSupported),
        ("POST", "/api/content/filter/share", {"contentId": unknown}, 403, errors.ErrShareNotSupported),
    ):  # fmt: skip
        answer = await client.request(method, url, json=body)
        assert (answer.status_code, answer.json()["code"]) == (status, code.code), (url, answer.text)
    missing = await client.post("/api/pattern/catalog/publish", json={"catalog_data": {}})
    assert missing.status_code == 400
    wrong = await client.post("/api/pattern/catalog/publish", json={"id": unknown, "catalog_data": "x"})
    assert wrong.status_code == 400
    # The catalog path's other methods are the design template's: not allowed, never a design.
    assert (await client.delete("/api/pattern/catalog")).status_code == 405


async def test_publishing_raises_events(client: httpx.AsyncClient) -> None:
    design = await save(client, "evented")
    await client.post("/api/pattern/catalog/publish", json={"id": design, "catalog_data": CATALOG_DATA})
    await client.request("DELETE", "/api/pattern/catalog/unpublish", json={"id": design})
    events = (await client.get("/api/system/events", params={"category": '["pattern"]', "pagesize": 50})).json()
    mine = [e for e in events["events"] if e["action"] in ("publish", "unpublish_request")]
    assert sorted(e["action"] for e in mine) == ["publish", "unpublish_request"]
    assert all(e["actedUpon"] == design for e in mine), mine
    assert any("submitted with status: approved" in e["description"] for e in mine)


async def save_filter(http: httpx.AsyncClient, name: str, **kwargs: Any) -> str:
    body = {"save": True, "filterData": {"filterFile": base64.b64encode(module()).decode(), "name": name},
            "config": envoy_filter()}  # fmt: skip
    response = await http.post("/api/filter", json=body, **kwargs)
    assert response.status_code == 200, response.text
    return str(response.json()[0]["id"])


async def test_filter_catalog(client: httpx.AsyncClient) -> None:
    wasm = await save_filter(client, "ratelimit.wasm")
    await save_filter(client, "private.wasm")
    empty = (await client.get("/api/filter/catalog")).json()
    assert (empty["filters"], empty["total_count"]) == ([], 0)

    body = {"id": wasm, "catalog_data": {"type": "Security"}}
    published = await client.post("/api/filter/catalog/publish", json=body)
    assert published.status_code == 202, published.text
    assert (published.json()["content_type"], published.json()["content_name"]) == ("filter", "ratelimit.wasm")
    page = (await client.get("/api/filter/catalog", params={"pagesize": 5})).json()
    assert (page["page_size"], page["total_count"]) == (5, 1)
    (item,) = page["filters"]
    assert (item["id"], item["visibility"], item["catalog_data"]) == (wasm, "published", {"type": "Security"})
    assert item["filter_file"] == "" and "envoy" in item["filter_resource"].lower()
    # Its module is still downloaded from its own route.
    assert (await client.get(f"/api/filter/download/{wasm}")).content == module()

    query = """query { fetchFilterCatalogContent(selector: {search: "rate"}) {
        id name filter_file filter_resource owner visibility catalog_data created_at } }"""
    body = (await client.post("/api/system/graphql/query", json={"query": query})).json()
    assert "errors" not in body, body
    assert [i["id"] for i in body["data"]["fetchFilterCatalogContent"]] == [wasm]

    gone = await client.request("DELETE", "/api/filter/catalog/unpublish", json={"id": wasm})
    assert gone.status_code == 200 and gone.json()["status"] == "unpublished"
    assert (await client.get("/api/filter/catalog")).json()["filters"] == []
    assert (await client.get(f"/api/filter/{wasm}")).json()["visibility"] == "private"
    # A design id is no filter, a filter id no design.
    design = await save(client, "not-a-filter")
    wrong = await client.post("/api/filter/catalog/publish", json={"id": design})
    assert (wrong.status_code, wrong.json()["code"]) == (404, errors.ErrCatalogContentNotFound.code)
    wrong = await client.post("/api/pattern/catalog/publish", json={"id": wasm})
    assert (wrong.status_code, wrong.json()["code"]) == (404, errors.ErrCatalogContentNotFound.code)


async def test_catalog_list_statements(client: httpx.AsyncClient, app: Starlette, database_url: str) -> None:
    """A catalog page is two statements (page and count) however many items it holds, and never
    reads a design's original artifact or a filter's module."""
    for n in range(5):
        design = await save(client, f"counted-{n}")
        await client.post("/api/pattern/catalog/publish", json={"id": design, "catalog_data": CATALOG_DATA})
        wasm = await save_filter(client, f"counted-{n}.wasm")
        await client.post("/api/filter/catalog/publish", json={"id": wasm})
    dialect = "postgresql" if database_url else "sqlite"
    store = app.state.meshery.services.store
    for path in ("/api/pattern/catalog", "/api/filter/catalog"):
        with counting(store) as statements:
            page = await client.get(path, params={"technology": "istio"} if "pattern" in path else {})
            assert page.status_code == 200 and page.json()["total_count"] == 5
        assert not any("source_content" in s or "meshery_filter_files" in s for s in statements), statements
        check_baseline(f"GET {path} ({dialect})", statements)


async def test_publishing_refreshes_the_configuration_subscription(app: Starlette, client: httpx.AsyncClient) -> None:
    """subscribeConfiguration pushes a new page when a design or a filter is published or unpublished."""
    services = app.state.meshery.services
    design = await save(client, "streamed")
    wasm = await save_filter(client, "streamed.wasm")
    token = context.activate(context.RequestContext(services=services, provider="None", user=LOCAL_USER))
    try:
        selector = {"page": "0", "pageSize": "10"}
        stream = design_handlers.subscribe_configuration(selector, selector)
        first = await asyncio.wait_for(anext(stream), TIMEOUT)
        assert [p["visibility"] for p in first["patterns"]["patterns"]] == ["private"]
        await client.post("/api/pattern/catalog/publish", json={"id": design})
        second = await asyncio.wait_for(anext(stream), TIMEOUT)
        assert [p["visibility"] for p in second["patterns"]["patterns"]] == ["published"]
        await client.post("/api/filter/catalog/publish", json={"id": wasm})
        third = await asyncio.wait_for(anext(stream), TIMEOUT)
        assert [f["visibility"] for f in third["filters"]["filters"]] == ["published"]
        await stream.aclose()
    finally:
        context.deactivate(token)
