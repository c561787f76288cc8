"""System routes on SQLite and PostgreSQL, every answer checked against the spec."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from generated import errors
from meshery.config import Settings
from meshery.store import migrate


async def test_version_has_upstream_fields(client: httpx.AsyncClient, settings: Settings) -> None:
    response = await client.get("/api/system/version")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"build", "commitsha", "release_channel", "releaseChannel", "latest", "outdated"}
    assert body["releaseChannel"] == body["release_channel"]
    assert body["build"] == settings.build
    assert body["outdated"] is False


async def test_health_probes(client: httpx.AsyncClient) -> None:
    live = await client.get("/healthz/live")
    ready = await client.get("/healthz/ready")
    assert (live.status_code, live.text) == (200, "ok")
    assert (ready.status_code, ready.text) == (200, "ok")


async def test_database_summary_counts_rows(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/system/database", params={"pagesize": 100})
    assert response.status_code == 200
    body = response.json()
    names = [t["name"] for t in body["tables"]]
    assert names == sorted(names)
    assert {"alembic_version", "system_settings"} <= set(names)
    counts = {t["name"]: t["count"] for t in body["tables"]}
    assert counts["alembic_version"] == len(migrate.head_revisions())  # one row per head of the history
    assert counts["system_settings"] == 1  # the persistent instance id
    assert body["total_tables"] == len(names)
    assert body["record_count"] == sum(counts.values())


async def test_database_summary_paging_search_order(client: httpx.AsyncClient) -> None:
    page = (await client.get("/api/system/database", params={"pagesize": 1, "page": 1})).json()
    assert (page["page"], page["page_size"], len(page["tables"])) == (1, 1, 1)
    camel = (await client.get("/api/system/database", params={"pageSize": 1})).json()
    assert camel["page_size"] == 1
    found = (await client.get("/api/system/database", params={"search": "SETTING"})).json()
    assert [t["name"] for t in found["tables"]] == ["system_settings"]
    assert found["total_tables"] == 1
    desc = (await client.get("/api/system/database", params={"order": "name desc"})).json()
    names = [t["name"] for t in desc["tables"]]
    assert names == sorted(names, reverse=True)


async def test_reset_empties_tables_and_keeps_schema(client: httpx.AsyncClient) -> None:
    response = await client.delete("/api/system/database/reset")
    assert response.status_code == 200
    assert "reset" in response.json()["message"]
    after = (await client.get("/api/system/database", params={"pagesize": 100})).json()
    counts = {t["name"]: t["count"] for t in after["tables"]}
    assert counts["system_settings"] == 0
    assert counts["alembic_version"] == len(migrate.head_revisions())  # the migration history survives
    assert (await client.get("/healthz/ready")).status_code == 200


@pytest.mark.parametrize(
    ("params", "error"),
    [
        ({"page": "-1"}, errors.ErrRequestValidation),
        ({"page": "abc"}, errors.ErrRequestValidation),
        ({"pagesize": "-1"}, errors.ErrRequestValidation),
        ({"order": "name; drop table x"}, errors.ErrRequestValidation),
    ],
)
async def test_bad_parameters_get_400_with_code(
    client: httpx.AsyncClient, params: dict[str, str], error: type[errors.MesheryError]
) -> None:
    response = await client.get("/api/system/database", params=params)
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == error.code
    assert body["severity"] == "ERROR"
    assert body["probableCause"] and body["suggestedRemediation"]
    assert "Traceback" not in response.text


async def test_validation_message_names_the_parameter(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/system/database", params={"page": "-1"})
    assert "'page'" in response.json()["error"]


async def test_unknown_route_is_404_envelope(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/does/not/exist")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/json; charset=utf-8"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.json()["code"] == errors.ErrRouteNotFound.code


async def test_wrong_method_is_405_envelope(client: httpx.AsyncClient) -> None:
    response = await client.post("/api/system/version")
    assert response.status_code == 405
    assert response.json()["code"] == errors.ErrMethodNotAllowed.code
    assert "GET" in response.headers["allow"]


async def test_concurrent_requests_do_not_lock_the_database(client: httpx.AsyncClient) -> None:
    async def one(i: int) -> int:
        if i % 10 == 0:
            return (await client.delete("/api/system/database/reset")).status_code
        return (await client.get("/api/system/database")).status_code

    statuses = await asyncio.gather(*(one(i) for i in range(60)))
    assert set(statuses) == {200}


async def test_spec_and_swagger_ui_are_served(client: httpx.AsyncClient) -> None:
    spec_json = await client.get("/api/openapi.json")
    assert spec_json.status_code == 200
    assert "/api/system/version" in spec_json.json()["paths"]
    spec_yaml = await client.get("/api/openapi.yaml")
    assert spec_yaml.status_code == 200 and "openapi: 3.0.3" in spec_yaml.text
    docs = await client.get("/api/docs/")
    assert docs.status_code == 200 and "swagger-ui" in docs.text
