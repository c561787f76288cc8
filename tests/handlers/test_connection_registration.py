"""Generic connection routes: create any kind, the registration wizard, per-connection controller config."""

from __future__ import annotations

import json
from datetime import timedelta

import httpx
import yaml

from meshery.store import workspaces as repo
from tests.fixtures.kubeemu import TOKEN
from tests.handlers.test_kubernetes import unreachable_kubeconfig, upload
from tests.handlers.test_workspaces import BOB, MISSING, golden, users_client
from tests.kubeemu import KubeEmulator

__all__ = ["users_client"]
REGISTER = "/api/integrations/connections/register"


async def test_create_any_kind_with_a_new_or_existing_credential(users_client: httpx.AsyncClient) -> None:
    made = await users_client.post(
        "/api/integrations/connections",
        json={"name": "prom", "kind": "prometheus", "type": "telemetry", "sub_type": "metrics",
              "metadata": {"url": "http://prom:9090", "_hidden": 1}, "credential_secret": {"token": "t0k"}},
    )  # fmt: skip
    assert made.status_code == 201, made.text
    conn = made.json()
    view = golden("connections/fixtures/view.connection.api.response.golden")
    assert set(view) <= set(conn)
    assert (conn["status"], conn["kind"], conn["metadata"]) == ("registered", "prometheus", {"url": "http://prom:9090"})
    cred = (await users_client.get(f"/api/integrations/credentials/{conn['credential_id']}")).json()
    assert (cred["name"], cred["type"], cred["secret"]) == ("prometheus-prom", "prometheus", {"token": "********"})
    connected = await users_client.post(
        "/api/integrations/connections",
        json={"name": "graf", "kind": "grafana", "status": "connected", "credential_id": cred["id"]},
    )
    assert connected.status_code == 201 and connected.json()["status"] == "connected"
    # another user's credential is not theirs to link
    foreign = await users_client.post(
        "/api/integrations/connections", json={"name": "x", "kind": "grafana", "credential_id": cred["id"]}, headers=BOB
    )
    assert foreign.status_code == 404 and foreign.json()["code"] == "meshery-server-1702"
    listed = (await users_client.get("/api/integrations/connections", params={"kind": "grafana"})).json()
    assert [c["name"] for c in listed["connections"]] == ["graf"]
    again = await users_client.post(
        "/api/integrations/connections", json={"id": conn["id"], "name": "dup", "kind": "prometheus"}
    )
    assert again.status_code == 409 and again.json()["code"] == "meshery-server-1709"
    for body in (
        {"kind": "x"},
        {"name": "x"},
        {"name": "x", "kind": "bad kind"},
        {"name": "x", "kind": "k", "status": "deleted"},
    ):
        bad = await users_client.post("/api/integrations/connections", json=body)
        assert bad.status_code == 400 and bad.json()["code"] == "meshery-server-1001"


async def test_wizard_for_a_generic_kind(users_client: httpx.AsyncClient) -> None:
    started = await users_client.post(REGISTER, json={"status": "initialize", "kind": "github"})
    assert started.status_code == 200 and started.json()["status"] == "initialized"
    reg = started.json()["id"]
    early = await users_client.post(REGISTER, json={"status": "connect", "id": reg})
    assert early.status_code == 409 and early.json()["code"] == "meshery-server-1708"
    no_cred = await users_client.post(REGISTER, json={"status": "register", "id": reg, "name": "gh"})
    assert no_cred.status_code == 400 and "credential" in no_cred.json()["error"]
    registered = await users_client.post(
        REGISTER, json={"status": "register", "id": reg, "name": "gh", "credential_secret": {"pat": "ghp_x"}}
    )
    assert registered.status_code == 200, registered.text
    body = registered.json()
    assert (body["status"], body["connection"]["status"], body["connection"]["kind"]) == (
        "registered",
        "registered",
        "github",
    )
    assert "ghp_x" not in registered.text
    not_mine = await users_client.post(REGISTER, json={"status": "connect", "id": reg}, headers=BOB)
    assert not_mine.status_code == 404 and not_mine.json()["code"] == "meshery-server-1706"
    done = (await users_client.post(REGISTER, json={"status": "connect", "id": reg})).json()
    assert (done["status"], done["connection"]["status"]) == ("connected", "connected")
    assert (await users_client.post(REGISTER, json={"status": "connect", "id": reg})).status_code == 404


async def test_cancel_removes_a_registered_connection(users_client: httpx.AsyncClient) -> None:
    reg = (await users_client.post(REGISTER, json={"status": "initialize", "kind": "github", "name": "gh",
                                                   "credential_secret": {"pat": "x"}})).json()["id"]  # fmt: skip
    conn = (await users_client.post(REGISTER, json={"status": "register", "id": reg})).json()["connection"]
    cancelled = await users_client.delete(REGISTER, params={"id": reg})
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert (await users_client.get(f"/api/integrations/connections/{conn['id']}")).status_code == 404
    assert (await users_client.delete(REGISTER, params={"id": reg})).status_code == 404
    assert (await users_client.delete(REGISTER, params={"id": "bad"})).status_code == 400
    assert (await users_client.delete(REGISTER)).status_code == 400


async def test_wizard_for_kubernetes(users_client: httpx.AsyncClient, kube_emulator: KubeEmulator) -> None:
    text = yaml.safe_dump(kube_emulator.kubeconfig("emu", token=TOKEN))
    wrong = await users_client.post(REGISTER, json={"status": "initialize", "kind": "kubernetes", "kubeconfig": text,
                                                    "context": "nope"})  # fmt: skip
    assert wrong.status_code == 400 and "emu" in wrong.json()["error"]
    assert (await users_client.post(REGISTER, json={"status": "initialize", "kind": "kubernetes"})).status_code == 400
    reg = (
        await users_client.post(REGISTER, json={"status": "initialize", "kind": "kubernetes", "kubeconfig": text})
    ).json()
    assert reg["name"] == "" or reg["name"] == "emu"
    registered = (await users_client.post(REGISTER, json={"status": "register", "id": reg["id"]})).json()
    conn = registered["connection"]
    assert (conn["name"], conn["kind"], conn["status"]) == ("emu", "kubernetes", "registered")
    assert conn["metadata"]["version"].startswith("v1.")
    assert TOKEN not in json.dumps(registered)
    done = (await users_client.post(REGISTER, json={"status": "connect", "id": reg["id"]})).json()
    assert done["connection"]["status"] in ("connected", "disconnected")
    contexts = (await users_client.get("/api/system/kubernetes/contexts")).json()
    assert [c["name"] for c in contexts["contexts"]] == ["emu"]
    await users_client.delete(f"/api/integrations/connections/{conn['id']}")


async def test_wizard_refuses_an_unreachable_cluster(users_client: httpx.AsyncClient) -> None:
    text = unreachable_kubeconfig("down").decode()
    reg = (
        await users_client.post(REGISTER, json={"status": "initialize", "kind": "kubernetes", "kubeconfig": text})
    ).json()
    refused = await users_client.post(REGISTER, json={"status": "register", "id": reg["id"]})
    assert refused.status_code == 503 and refused.json()["code"] == "meshery-server-1305"
    assert (await users_client.get("/api/integrations/connections")).json()["total_count"] == 0


async def test_controllers_config(users_client: httpx.AsyncClient) -> None:
    conn_id = (await upload(users_client, unreachable_kubeconfig("a"))).json()["registered_contexts"][0][
        "connection_id"
    ]
    url = f"/api/integrations/connections/{conn_id}/controllers/config"
    config = (await users_client.get(url)).json()
    assert config["connection_id"] == conn_id
    assert config["operator"]["enabled"] is True and config["meshsync"]["deploymentMode"] == "embedded"
    changed = await users_client.put(
        url,
        json={
            "operator": {"enabled": False, "image": "example/operator:2"},
            "meshsync": {"deploymentMode": "operator"},
        },
    )
    assert changed.status_code == 200
    assert changed.json()["operator"] == {"enabled": False, "image": "example/operator:2"}
    assert (await users_client.get(url)).json() == changed.json()
    # the stored configuration is not part of the connection's metadata, nor editable through it
    conn = (
        await users_client.put(f"/api/integrations/connections/{conn_id}", json={"metadata": {"_controllers": {}}})
    ).json()
    assert "_controllers" not in conn["metadata"]
    assert (await users_client.get(url)).json()["operator"]["enabled"] is False
    mutation = "mutation($input: OperatorStatusInput) { changeOperatorStatus(input: $input) }"
    response = await users_client.post(
        "/api/system/graphql/query",
        json={"query": mutation, "variables": {"input": {"targetStatus": "ENABLED", "contextID": conn_id}}},
    )
    assert "operator.enabled is false" in json.dumps(response.json()["errors"])
    assert (await users_client.put(url, json={"operator": {"unknown": 1}})).status_code == 400
    assert (await users_client.put(url, json={"meshsync": {"deploymentMode": "x"}})).status_code == 400
    missing = await users_client.get(f"/api/integrations/connections/{MISSING}/controllers/config")
    assert missing.status_code == 404 and missing.json()["code"] == "meshery-server-1303"


async def test_abandoned_registrations_are_forgotten(users_client: httpx.AsyncClient) -> None:
    old = (await users_client.post(REGISTER, json={"status": "initialize", "kind": "github"})).json()["id"]
    kept = (await users_client.post(REGISTER, json={"status": "initialize", "kind": "github"})).json()["id"]
    services = users_client._transport.app.state.meshery.services  # type: ignore[attr-defined]
    row = await repo.get_registration(services.store, old, "alice")
    assert row is not None
    row.updated_at = repo.now() - timedelta(days=2)
    await repo.save_registration(services.store, row)
    await users_client.post(REGISTER, json={"status": "initialize", "kind": "github"})
    assert (await users_client.delete(REGISTER, params={"id": old})).status_code == 404
    assert (await users_client.delete(REGISTER, params={"id": kept})).status_code == 200
