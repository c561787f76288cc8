"""Kubeconfig upload, contexts and connections when clusters cannot be reached (both databases)."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import httpx
import pytest
import yaml

from meshery.app import create_app
from meshery.config import Settings
from tests.fixtures.app import app_settings
from tests.fixtures.contract import ContractChecker, contract_client
from tests.fixtures.server import free_port


def unreachable_kubeconfig(*names: str) -> bytes:
    port = free_port()  # nothing listens there: connection refused at once
    return yaml.safe_dump({
        "clusters": [{"name": f"{n}-c", "cluster": {"server": f"http://127.0.0.1:{port}"}} for n in names],
        "users": [{"name": f"{n}-u", "user": {"token": f"TOPSECRET-{n}"}} for n in names],
        "contexts": [{"name": n, "context": {"cluster": f"{n}-c", "user": f"{n}-u"}} for n in names],
    }).encode()  # fmt: skip


async def upload(client: httpx.AsyncClient, text: bytes, **form: str) -> httpx.Response:
    return await client.post("/api/system/kubernetes", files={"k8sfile": ("config", text)}, data=form)


async def test_preview_lists_contexts_without_storing(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/api/system/kubernetes/contexts", files={"k8sfile": ("c", unreachable_kubeconfig("a", "b"))}
    )
    assert response.status_code == 200
    assert [c["name"] for c in response.json()] == ["a", "b"]
    assert (await client.get("/api/system/kubernetes/contexts")).json()["total_count"] == 0


async def test_unreachable_contexts_are_reported_not_fatal(
    client: httpx.AsyncClient, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    text = unreachable_kubeconfig("a", "b")
    response = await upload(client, text)
    assert response.status_code == 200, response.text
    body = response.json()
    assert [c["name"] for c in body["errored_contexts"]] == ["a", "b"]
    assert body["connected_contexts"] == []
    assert all("unreachable" in c["error"] for c in body["errored_contexts"])
    page = (await client.get("/api/system/kubernetes/contexts")).json()
    assert page["total_count"] == 2
    conns = (await client.get("/api/integrations/connections", params={"kind": "kubernetes"})).json()
    assert {c["status"] for c in conns["connections"]} == {"not found"}
    assert conns["status_summary"] == {"not found": 2}
    # Credentials are never answered, and the database holds only ciphertext.
    everything = json.dumps([body, page, conns])
    assert "TOPSECRET" not in everything
    if not settings.database_url:
        wal = settings.sqlite_path.with_name(settings.sqlite_path.name + "-wal")
        for path in (settings.sqlite_path, wal):
            assert b"TOPSECRET" not in (path.read_bytes() if path.exists() else b"")
        assert wal.exists() and b"kubernetes-a" in wal.read_bytes() + settings.sqlite_path.read_bytes()
    assert "TOPSECRET" not in caplog.text
    # A second upload of the same file updates the same connections.
    await upload(client, text)
    assert (await client.get("/api/system/kubernetes/contexts")).json()["total_count"] == 2


async def test_selected_contexts_only(client: httpx.AsyncClient) -> None:
    text = unreachable_kubeconfig("a", "b", "c")
    body = (await upload(client, text, contexts='["b"]')).json()
    assert [c["name"] for c in body["registered_contexts"]] == ["b"]
    assert [c["name"] for c in body["ignored_contexts"]] == ["a", "c"]
    body = (await upload(client, text, selectedContexts="a,c")).json()
    assert [c["name"] for c in body["registered_contexts"]] == ["a", "c"]
    missing = await upload(client, unreachable_kubeconfig("a"), contexts="zzz")
    assert missing.status_code == 404


async def test_bad_uploads_are_4xx(client: httpx.AsyncClient) -> None:
    bad = await upload(client, b"clusters: 3\n")
    assert bad.status_code == 400
    assert bad.json()["code"] == "meshery-server-1300"
    empty = await client.post("/api/system/kubernetes", files={"k8sfile": ("c", b"")})
    assert empty.status_code == 400
    none = await client.post("/api/system/kubernetes", files={"other": ("x", b"x")}, data={"contexts": "a"})
    assert none.status_code == 400
    urlencoded = await client.post("/api/system/kubernetes", data={"contexts": "a"})
    assert urlencoded.status_code == 415


async def test_context_get_delete_and_ping(client: httpx.AsyncClient) -> None:
    body = (await upload(client, unreachable_kubeconfig("a"))).json()
    ctx = body["registered_contexts"][0]
    by_conn = await client.get(f"/api/system/kubernetes/contexts/{ctx['connection_id']}")
    by_ctx = await client.get(f"/api/system/kubernetes/contexts/{ctx['id']}")
    assert by_conn.json() == by_ctx.json()
    ping = await client.get("/api/system/kubernetes/ping", params={"connection_id": ctx["connection_id"]})
    assert ping.status_code == 503
    assert ping.json()["code"] == "meshery-server-1305"
    assert (await client.get("/api/system/kubernetes/ping")).status_code == 404
    deleted = await client.delete(f"/api/system/kubernetes/contexts/{ctx['id']}")
    assert deleted.status_code == 200
    assert (await client.get(f"/api/system/kubernetes/contexts/{ctx['id']}")).status_code == 404
    assert (await client.get(f"/api/integrations/connections/{ctx['connection_id']}")).status_code == 404


async def test_disable_operator_never_deploys(tmp_path: Path, contract: ContractChecker) -> None:
    app = create_app(app_settings(user_data_folder=tmp_path / "m", disable_operator=True))
    async with app.router.lifespan_context(app), contract_client(app, contract) as client:
        body = (await upload(client, unreachable_kubeconfig("a"))).json()
        conn_id = body["registered_contexts"][0]["connection_id"]
        mutation = "mutation($input: OperatorStatusInput) { changeOperatorStatus(input: $input) }"
        response = await client.post(
            "/api/system/graphql/query",
            json={"query": mutation, "variables": {"input": {"targetStatus": "ENABLED", "contextID": conn_id}}},
        )
        errors = response.json()["errors"]
        assert "Meshery Operator disabled" in json.dumps(errors)
