"""Credential routes: masked secrets, encryption at rest, ownership, update keeping masked values (both databases)."""

from __future__ import annotations

import logging
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select
from starlette.applications import Starlette

from meshery import credentials
from meshery.credentials import MASK
from meshery.store.models import metadata
from tests.handlers.test_workspaces import BOB, MISSING, golden, users_client

__all__ = ["users_client"]

PLAIN = "s3cr3t-PLAINTEXT-value-7731"


async def _create(client: httpx.AsyncClient, name: str = "cred", **secret: object) -> dict[str, object]:
    body = {"name": name, "type": "token", "secret": secret or {"token": PLAIN, "nested": {"password": PLAIN}}}
    response = await client.post("/api/integrations/credentials", json=body)
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


def test_mask_and_unmask() -> None:
    secret = {"a": "x", "b": {"c": 1, "d": [True, "y"]}}
    masked = credentials.mask(secret)
    assert masked == {"a": MASK, "b": {"c": MASK, "d": [MASK, MASK]}}
    assert credentials.unmask(masked, secret) == secret
    assert credentials.unmask({"a": "new", "b": MASK, "e": MASK}, secret) == {"a": "new", "b": secret["b"], "e": MASK}


async def test_crud_masks_and_golden_keys(users_client: httpx.AsyncClient) -> None:
    cred = await _create(users_client)
    assert cred["secret"] == {"token": MASK, "nested": {"password": MASK}}
    assert cred["user_id"] == "alice" and cred["deleted_at"] is None
    listed = (await users_client.get("/api/integrations/credentials")).json()
    expected = golden("credentials/fixtures/list.credentials.api.response.golden")
    assert set(listed) == set(expected) | {"credentials"}  # @meshery/schemas' name of the list too
    assert listed["credentials"] == listed["credential"]
    assert set(expected["credential"][0]) <= set(listed["credential"][0])
    assert listed["credential"][0]["userId"] == listed["credential"][0]["user_id"]
    assert listed["resultType"] == "credentials" and listed["total_count"] == 1
    one = (await users_client.get(f"/api/integrations/credentials/{cred['id']}")).json()
    assert one == listed["credential"][0]
    # A masked value sent back keeps the stored one; a new value replaces it.
    updated = await users_client.put(
        "/api/integrations/credentials",
        json={"id": cred["id"], "name": "renamed", "secret": {"token": MASK, "nested": {"password": "new-pass"}}},
    )
    assert updated.status_code == 200 and updated.json()["name"] == "renamed"
    app = users_client._transport.app  # type: ignore[attr-defined]
    services = app.state.meshery.services
    stored = await credentials.get(services, "alice", str(cred["id"]))
    assert credentials.box(services).open(stored.secret) == {"token": PLAIN, "nested": {"password": "new-pass"}}
    deleted = await users_client.delete("/api/integrations/credentials", params={"credential_id": cred["id"]})
    assert deleted.status_code == 200
    gone = await users_client.get(f"/api/integrations/credentials/{cred['id']}")
    assert gone.status_code == 404 and gone.json()["code"] == "meshery-server-1702"


async def test_list_search_order_pages(users_client: httpx.AsyncClient) -> None:
    for name in ("b-cred", "a-cred", "c-other"):
        await _create(users_client, name, key="v")
    page = (await users_client.get("/api/integrations/credentials", params={"order": "name asc", "pagesize": 2})).json()
    assert [c["name"] for c in page["credential"]] == ["a-cred", "b-cred"] and page["total_count"] == 3
    found = (await users_client.get("/api/integrations/credentials", params={"search": "OTHER"})).json()
    assert [c["name"] for c in found["credential"]] == ["c-other"]


async def test_another_users_credential_is_not_found(users_client: httpx.AsyncClient) -> None:
    cred = await _create(users_client)
    for response in (
        await users_client.get(f"/api/integrations/credentials/{cred['id']}", headers=BOB),
        await users_client.put("/api/integrations/credentials", json={"id": cred["id"], "name": "x"}, headers=BOB),
        await users_client.delete("/api/integrations/credentials", params={"credential_id": cred["id"]}, headers=BOB),
    ):
        assert response.status_code == 404 and response.json()["code"] == "meshery-server-1702"
    assert (await users_client.get("/api/integrations/credentials", headers=BOB)).json()["total_count"] == 0


async def test_credential_in_use_cannot_be_deleted(users_client: httpx.AsyncClient) -> None:
    cred = await _create(users_client)
    conn = await users_client.post(
        "/api/integrations/connections",
        json={"name": "prom", "kind": "prometheus", "type": "telemetry", "credential_id": cred["id"]},
    )
    assert conn.status_code == 201 and conn.json()["credential_id"] == cred["id"]
    refused = await users_client.delete("/api/integrations/credentials", params={"credential_id": cred["id"]})
    assert refused.status_code == 409 and refused.json()["code"] == "meshery-server-1705"


async def test_delete_takes_the_package_spelling(users_client: httpx.AsyncClient) -> None:
    """`credentialId` (the spelling of @meshery/schemas' client) names the credential as `credential_id` does."""
    made = await users_client.post("/api/integrations/credentials", json={"name": "c", "type": "t", "secret": {}})
    cred = made.json()
    deleted = await users_client.delete("/api/integrations/credentials", params={"credentialId": cred["id"]})
    assert deleted.status_code == 200 and deleted.json()["id"] == cred["id"]
    assert (await users_client.get(f"/api/integrations/credentials/{cred['id']}")).status_code == 404
    bad = await users_client.delete("/api/integrations/credentials", params={"credentialId": "bad"})
    assert (bad.status_code, bad.json()["code"]) == (400, "meshery-server-1001")


async def test_bad_input_is_catalogued_4xx(users_client: httpx.AsyncClient) -> None:
    for response in (
        await users_client.get("/api/integrations/credentials/not-a-uuid"),
        await users_client.post("/api/integrations/credentials", json={"name": "x"}),
        await users_client.post("/api/integrations/credentials", json={"name": "x", "type": "t", "secret": "flat"}),
        await users_client.put("/api/integrations/credentials", json={"name": "no id"}),
        await users_client.delete("/api/integrations/credentials"),
        await users_client.delete("/api/integrations/credentials", params={"credential_id": "bad"}),
    ):
        assert response.status_code == 400, response.text
        assert response.json()["code"].startswith("meshery-server-")
    missing = await users_client.put("/api/integrations/credentials", json={"id": MISSING})
    assert missing.status_code == 404


async def test_plaintext_never_leaves_the_server(
    users_client: httpx.AsyncClient, app: Starlette, caplog: pytest.LogCaptureFixture, database_url: str
) -> None:
    caplog.set_level(logging.DEBUG)
    answers: list[str] = []
    cred = await _create(users_client)
    answers.append((await users_client.get("/api/integrations/credentials")).text)
    answers.append((await users_client.get(f"/api/integrations/credentials/{cred['id']}")).text)
    answers.append(
        (await users_client.put("/api/integrations/credentials", json={"id": cred["id"], "secret": {"t": PLAIN}})).text
    )
    conn = await users_client.post(
        "/api/integrations/connections",
        json={"name": "graf", "kind": "grafana", "credential_secret": {"api_key": PLAIN}},
    )
    answers.append(conn.text)
    answers.append((await users_client.get("/api/integrations/connections")).text)
    answers.append((await users_client.get("/api/integrations/credentials")).text)
    answers.append((await users_client.get("/api/system/events", params={"pagesize": "all"})).text)
    assert all(PLAIN not in text for text in answers)
    assert PLAIN not in caplog.text
    services = app.state.meshery.services
    async with services.store.read() as session:
        for table in metadata.sorted_tables:
            rows = (await session.execute(select(table))).all()
            assert PLAIN not in repr(rows), table.name
    if not database_url:
        leaking = _files_containing(Path(services.settings.user_data_folder), PLAIN.encode())
        assert leaking == [], leaking


def _files_containing(folder: Path, needle: bytes) -> list[Path]:
    """Files under folder (the SQLite database, its WAL, ...) holding needle; fails if there is no database."""
    files = [p for p in folder.rglob("*") if p.is_file() and p.name != "credentials.key"]
    assert any(p.name.endswith(".sqlite3") for p in files), files
    return [p for p in files if needle in p.read_bytes()]
