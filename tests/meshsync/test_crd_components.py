"""CRDs discovered in a connected cluster become registry components (SKIP_COMP_GEN=false)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from meshery.bus import create_bus
from meshery.config import Settings
from meshery.context import Services
from meshery.meshsync.manager import KubeRuntime
from meshery.store import Store, migrate
from meshery.store.engine import database_url
from tests.fixtures.kubeemu import TOKEN
from tests.kubeemu import KubeEmulator
from tests.meshsync.test_embedded import eventually

pytestmark = pytest.mark.meshsync

GROUP = "widgets.example.com"


def crd(kind: str, *, versions: tuple[str, ...] = ("v1",), field: str = "size") -> dict[str, Any]:
    plural = kind.lower() + "s"
    schema = {"type": "object", "properties": {"spec": {"type": "object", "properties": {field: {"type": "integer"}}}}}
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": f"{plural}.{GROUP}"},
        "spec": {
            "group": GROUP,
            "scope": "Namespaced",
            "names": {"kind": kind, "plural": plural, "singular": kind.lower(), "listKind": f"{kind}List"},
            "versions": [
                {"name": v, "served": True, "storage": i == 0, "schema": {"openAPIV3Schema": schema}}
                for i, v in enumerate(versions)
            ],
        },
    }


def create(emu: KubeEmulator, obj: dict[str, Any]) -> None:
    response = httpx.post(
        f"{emu.url}/apis/apiextensions.k8s.io/v1/customresourcedefinitions",
        json=obj,
        headers={"Authorization": f"Bearer {TOKEN}"},
    )
    assert response.status_code == 201, response.text


async def components(client: httpx.AsyncClient) -> dict[tuple[str, str], dict[str, Any]]:
    response = await client.get(f"/api/meshmodels/models/{GROUP}/components", params={"pagesize": "all"})
    if response.status_code != 200:
        return {}
    return {(c["component"]["kind"], c["component"]["version"]): c for c in response.json()["components"]}


async def test_cluster_crds_become_components(
    client: httpx.AsyncClient, kube_emulator: KubeEmulator, tmp_path: Path
) -> None:
    create(kube_emulator, crd("Widget", versions=("v1", "v2")))
    kubeconfig = kube_emulator.write_kubeconfig(tmp_path / "config").read_bytes()
    upload = await client.post("/api/system/kubernetes", files={"k8sfile": ("config", kubeconfig)})
    assert upload.status_code == 200, upload.text

    async def listed() -> bool:
        return set(await components(client)) == {("Widget", f"{GROUP}/v1"), ("Widget", f"{GROUP}/v2")}

    await eventually(listed)
    widget = (await components(client))[("Widget", f"{GROUP}/v1")]
    assert "size" in json.loads(widget["component"]["schema"])["properties"]["spec"]["properties"]
    assert widget["metadata"]["isNamespaced"] is True

    # A CRD created while the cluster is watched joins the same model.
    create(kube_emulator, crd("Gadget", field="colour"))

    async def grown() -> bool:
        return ("Gadget", f"{GROUP}/v1") in await components(client)

    await eventually(grown)
    events = (await client.get("/api/system/events", params={"category": '["registry"]', "pagesize": 50})).json()
    described = [e["description"] for e in events["events"]]
    assert any(GROUP in d and "context" in d for d in described), described


@pytest.fixture
async def services(tmp_path: Path) -> AsyncIterator[Services]:
    store = Store(database_url("", tmp_path / "db.sqlite3"))
    await migrate.migrate(store)
    bus = create_bus(nats_url=None, name="test")
    await bus.start()
    try:
        yield Services(settings=Settings(user_data_folder=tmp_path), store=store, bus=bus)
    finally:
        await bus.stop()
        await store.dispose()


async def test_unchanged_crds_are_not_registered_again(services: Services) -> None:
    """Relists hand over the same CRDs again: only a change registers the group anew."""
    runtime = KubeRuntime(services)
    assert runtime.components is not None
    first = await runtime.components.crds_seen([crd("Widget")], context="ctx")
    again = await runtime.components.crds_seen([crd("Widget")], context="ctx")
    changed = await runtime.components.crds_seen([crd("Widget", field="weight")], context="ctx")
    ignored = await runtime.components.crds_seen([{"kind": "CustomResourceDefinition", "spec": {}}], context="ctx")
    assert (first, again, changed, ignored) == (1, 0, 1, 0)


def test_skip_comp_gen_turns_generation_off(services: Services) -> None:
    services.settings = Settings(user_data_folder=services.settings.user_data_folder, skip_comp_gen=True)
    assert KubeRuntime(services).components is None
