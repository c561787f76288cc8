"""GraphQL over HTTP: GET and POST, errors in the envelope, the document cache."""

from __future__ import annotations

import json

import httpx
from starlette.applications import Starlette

from generated import errors

URL = "/api/system/graphql/query"
QUERY = "{ serverVersion { build commitsha release_channel latest outdated } }"


async def test_post_query(client: httpx.AsyncClient) -> None:
    response = await client.post(URL, json={"query": QUERY})
    assert response.status_code == 200
    version = response.json()["data"]["serverVersion"]
    rest = (await client.get("/api/system/version")).json()
    rest.pop("releaseChannel")  # REST also sends @meshery/schemas' spelling
    assert version == rest


async def test_get_query_with_variables_and_operation_name(client: httpx.AsyncClient) -> None:
    response = await client.get(
        URL, params={"query": "query V { serverVersion { build } }", "operationName": "V", "variables": "{}"}
    )
    assert response.status_code == 200
    assert response.json()["data"]["serverVersion"]["build"]


async def test_introspection_works(client: httpx.AsyncClient) -> None:
    response = await client.post(URL, json={"query": "{ __schema { queryType { name } subscriptionType { name } } }"})
    schema = response.json()["data"]["__schema"]
    assert schema == {"queryType": {"name": "Query"}, "subscriptionType": {"name": "Subscription"}}


async def test_invalid_query_is_400_envelope_with_graphql_errors(client: httpx.AsyncClient) -> None:
    response = await client.post(URL, json={"query": "{ nope }"})
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == errors.ErrGraphQLRequest.code
    assert body["errors"][0]["message"].startswith("Cannot query field 'nope'")


async def test_malformed_requests(client: httpx.AsyncClient) -> None:
    no_query = await client.get(URL)
    assert (no_query.status_code, no_query.json()["code"]) == (400, errors.ErrGraphQLRequest.code)
    bad_json = await client.post(URL, content=b"{not json", headers={"content-type": "application/json"})
    assert (bad_json.status_code, bad_json.json()["code"]) == (400, errors.ErrGraphQLRequest.code)
    syntax = await client.post(URL, json={"query": "{"})
    assert (syntax.status_code, syntax.json()["code"]) == (400, errors.ErrGraphQLRequest.code)
    bad_vars = await client.get(URL, params={"query": QUERY, "variables": "{x"})
    assert bad_vars.status_code == 400 and bad_vars.json()["code"] == errors.ErrGraphQLRequest.code


async def test_wrong_method_is_405_envelope(client: httpx.AsyncClient) -> None:
    response = await client.put(URL, content=json.dumps({"query": QUERY}))
    assert response.status_code == 405
    assert response.json()["code"] == errors.ErrMethodNotAllowed.code


async def test_subscription_over_http_is_rejected(client: httpx.AsyncClient) -> None:
    response = await client.post(URL, json={"query": "subscription { subscribeBrokerConnection }"})
    assert response.status_code == 400
    assert response.json()["code"] == errors.ErrGraphQLRequest.code


async def test_documents_are_cached(client: httpx.AsyncClient, app: Starlette) -> None:
    for _ in range(3):
        assert (await client.post(URL, json={"query": QUERY})).status_code == 200
    gql = next(r for r in app.routes if getattr(r, "path", "") == URL).endpoint  # type: ignore[attr-defined]
    parser = gql.http_handler.query_parser.__self__
    assert parser.parsed.hits >= 2
    assert parser.validated.hits >= 2
