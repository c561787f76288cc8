"""The catalog under a remote provider that offers the catalog capabilities: every request is
forwarded with the user's token and the provider's answer passed on (the reference provider)."""

from __future__ import annotations

import uuid

import httpx

from generated import errors
from tests.catalog.conftest import AppClient, session_of
from tests.fixtures.remote_provider import RemoteProviderProcess

QUERY = """query($s: CatalogSelector) { fetchPatternCatalogContent(selector: $s) {
    id name user_id owner visibility catalog_data createdAt } }"""


async def test_catalog_is_forwarded(app_client: AppClient, catalog_provider: RemoteProviderProcess) -> None:
    carol, dave = session_of(catalog_provider, "carol"), session_of(catalog_provider, "dave")
    content = str(uuid.uuid4())  # designs live with the provider: this server does not know the id
    async with app_client(catalog_provider) as http:
        body = {"id": content, "catalog_data": {"type": "Security", "class": "community"}}
        published = await http.post("/api/pattern/catalog/publish", headers=carol, json=body)
        assert published.status_code == 202, published.text
        request = published.json()
        assert (request["content_id"], request["status"], request["contentId"]) == (content, "pending", content)

        page = await http.get("/api/pattern/catalog", headers=dave, params={"page": 0, "pagesize": 5})
        assert page.status_code == 200, page.text
        assert (page.json()["total_count"], page.json()["totalCount"], page.json()["page_size"]) == (1, 1, 5)
        (item,) = page.json()["patterns"]
        assert (item["id"], item["user_id"], item["catalog_data"]["type"]) == (content, "carol", "Security")

        graphql = await http.post("/api/system/graphql/query", headers=dave, json={"query": QUERY})
        (gql_item,) = graphql.json()["data"]["fetchPatternCatalogContent"]
        assert (gql_item["id"], gql_item["owner"], gql_item["createdAt"]) == (content, "carol", "2024-01-01T00:00:00Z")

        # The provider decides: dave's unpublish of carol's content is its 404, a bad id its 400.
        refused = await http.request("DELETE", "/api/pattern/catalog/unpublish", headers=dave, json={"id": content})
        assert (refused.status_code, refused.json()["code"]) == (404, errors.ErrCatalogProviderNotFound.code)
        gone = await http.request("DELETE", "/api/pattern/catalog/unpublish", headers=carol, json={"id": content})
        assert gone.status_code == 200 and gone.json()["status"] == "unpublished"
        empty = await http.get("/api/pattern/catalog", headers=dave)
        assert empty.json()["patterns"] == []

        filters = await http.post("/api/filter/catalog/publish", headers=carol, json={"id": content})
        assert filters.status_code == 202 and filters.json()["content_type"] == "filter"
        listed = await http.get("/api/filter/catalog", headers=carol)
        assert [f["id"] for f in listed.json()["filters"]] == [content]
        query = "{ fetchFilterCatalogContent { id filter_file filter_resource visibility owner } }"
        graphql = await http.post("/api/system/graphql/query", headers=carol, json={"query": query})
        (gql_filter,) = graphql.json()["data"]["fetchFilterCatalogContent"]
        assert gql_filter == {"id": content, "filter_file": "", "filter_resource": "", "visibility": "published",
                              "owner": "carol"}


async def test_share_is_forwarded(app_client: AppClient, catalog_provider: RemoteProviderProcess) -> None:
    erin = session_of(catalog_provider, "erin")
    before = catalog_provider.stats()["shares"]
    async with app_client(catalog_provider) as http:
        body = {"contentId": str(uuid.uuid4()), "contentType": "pattern", "emails": ["x@example.invalid"]}
        shared = await http.post("/api/content/design/share", headers=erin, json=body)
        assert (shared.status_code, shared.json()) == (200, {"message": "Design shared"})
        filtered = await http.post("/api/content/filter/share", headers=erin, json={**body, "contentType": "filter"})
        assert (filtered.status_code, filtered.json()) == (200, {"message": "Filter shared"})
        assert catalog_provider.stats()["shares"] == before + 2
        # The provider refuses a share without recipients: its 400 is passed on, catalogued.
        refused = await http.post("/api/content/design/share", headers=erin, json={**body, "emails": []})
        assert (refused.status_code, refused.json()["code"]) == (400, errors.ErrCatalogProviderError.code)
        nobody = {"Cookie": "meshery-provider=Reference"}
        anonymous = await http.post("/api/content/design/share", json=body, headers=nobody)
        assert anonymous.status_code in (302, 401)


async def test_remote_without_session_token_is_refused(
    app_client: AppClient, catalog_provider: RemoteProviderProcess
) -> None:
    async with app_client(catalog_provider) as http:
        answer = await http.get("/api/pattern/catalog", headers={"Cookie": "meshery-provider=Reference"})
        assert answer.status_code in (302, 401)
        assert isinstance(answer, httpx.Response)
