"""This server's catalog with two users (the reference provider without the catalog capabilities):
one publishes, the other lists and reads it but cannot unpublish it; unpublishing hides it."""

from __future__ import annotations

import httpx

from generated import errors
from tests.catalog.conftest import AppClient, session_of
from tests.fixtures.remote_provider import RemoteProviderProcess
from tests.handlers.test_catalog import save_filter

DESIGN = """name: shared-web
schemaVersion: designs.meshery.io/v1beta1
version: 1.2.0
components: []
relationships: []
"""
QUERY = """query($s: CatalogSelector) { fetchPatternCatalogContent(selector: $s) { id name owner visibility } }"""


async def _catalog(http: httpx.AsyncClient, session: dict[str, str]) -> list[dict[str, str]]:
    answer = await http.get("/api/pattern/catalog", headers=session)
    assert answer.status_code == 200, answer.text
    return answer.json()["patterns"]  # type: ignore[no-any-return]


async def test_two_users(app_client: AppClient, remote_provider: RemoteProviderProcess) -> None:
    alice, bob = session_of(remote_provider, "alice"), session_of(remote_provider, "bob")
    async with app_client(remote_provider) as http:
        saved = await http.post("/api/pattern", headers=alice, json={"pattern_data": {"pattern_file": DESIGN}})
        design = saved.json()[0]["id"]
        # Private: bob neither lists nor reads it, and cannot publish it.
        assert await _catalog(http, bob) == []
        assert (await http.get(f"/api/pattern/{design}", headers=bob)).status_code == 404
        stolen = await http.post("/api/pattern/catalog/publish", headers=bob, json={"id": design})
        assert (stolen.status_code, stolen.json()["code"]) == (404, errors.ErrCatalogContentNotFound.code)

        body = {"id": design, "catalog_data": {"type": "Deployment", "compatibility": ["kubernetes"]}}
        published = await http.post("/api/pattern/catalog/publish", headers=alice, json=body)
        assert published.status_code == 202, published.text
        assert published.json()["catalog_data"]["publishedVersion"] == "1.2.0"

        (item,) = await _catalog(http, bob)
        assert (item["id"], item["name"], item["visibility"]) == (design, "shared-web", "published")
        assert item["user_id"] != "bob" and item["owner"] == item["user_id"]
        read = await http.get(f"/api/pattern/{design}", headers=bob)
        assert read.status_code == 200 and read.json()["visibility"] == "published"
        graphql = await http.post("/api/system/graphql/query", headers=bob, json={"query": QUERY})
        assert [i["id"] for i in graphql.json()["data"]["fetchPatternCatalogContent"]] == [design]

        # Bob may read it, not unpublish it: "not found among yours", and it stays published.
        refused = await http.request("DELETE", "/api/pattern/catalog/unpublish", headers=bob, json={"id": design})
        assert (refused.status_code, refused.json()["code"]) == (404, errors.ErrCatalogContentNotFound.code)
        assert [i["id"] for i in await _catalog(http, alice)] == [design]
        # Bob's clone of it is his, private, and not in the catalog.
        clone = await http.post(f"/api/pattern/clone/{design}", headers=bob, json={"name": "mine"})
        assert clone.status_code == 200 and clone.json()["visibility"] == "private"

        gone = await http.request("DELETE", "/api/pattern/catalog/unpublish", headers=alice, json={"id": design})
        assert gone.status_code == 200, gone.text
        assert await _catalog(http, bob) == []
        assert (await http.get(f"/api/pattern/{design}", headers=bob)).status_code == 404
        # Sharing by e-mail is the provider's; this one does not offer it.
        body = {"contentId": design, "emails": ["b@x.y"]}
        share = await http.post("/api/content/design/share", headers=alice, json=body)
        assert (share.status_code, share.json()["code"]) == (403, errors.ErrShareNotSupported.code)


async def test_two_users_filters(app_client: AppClient, remote_provider: RemoteProviderProcess) -> None:
    alice, bob = session_of(remote_provider, "alice"), session_of(remote_provider, "bob")
    async with app_client(remote_provider) as http:
        wasm = await save_filter(http, "authz.wasm", headers=alice)
        stolen = await http.post("/api/filter/catalog/publish", headers=bob, json={"id": wasm})
        assert (stolen.status_code, stolen.json()["code"]) == (404, errors.ErrCatalogContentNotFound.code)
        assert (await http.post("/api/filter/catalog/publish", headers=alice, json={"id": wasm})).status_code == 202
        listed = (await http.get("/api/filter/catalog", headers=bob)).json()["filters"]
        assert [f["id"] for f in listed] == [wasm]
        assert (await http.get(f"/api/filter/download/{wasm}", headers=bob)).status_code == 200
        refused = await http.request("DELETE", "/api/filter/catalog/unpublish", headers=bob, json={"id": wasm})
        assert (refused.status_code, refused.json()["code"]) == (404, errors.ErrCatalogContentNotFound.code)
        gone = await http.request("DELETE", "/api/filter/catalog/unpublish", headers=alice, json={"id": wasm})
        assert gone.status_code == 200
        assert (await http.get("/api/filter/catalog", headers=bob)).json()["filters"] == []
        assert (await http.get(f"/api/filter/download/{wasm}", headers=bob)).status_code == 404
