"""The built-in meshery-core model, and built-in models never hiding a provided model of their name."""

from __future__ import annotations

import json
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from meshery import apispec
from meshery.app import create_app
from meshery.registry import core, importer
from meshery.store import Store, engine, migrate
from meshery.store import registry_queries as rq
from tests.fixtures.app import app_settings, settle
from tests.fixtures.contract import ContractChecker, contract_client
from tests.fixtures.registry import reference_or_skip

UI_KINDS = [
    "GithubConnection",
    "GrafanaConnection",
    "KubernetesConnection",
    "MesheryConnection",
    "PrometheusConnection",
]


@pytest.fixture
async def store(tmp_path: Path, database_url: str) -> AsyncIterator[Store]:
    db = Store(engine.database_url(database_url, tmp_path / "registry.sqlite3"))
    await migrate.migrate(db)
    yield db
    await db.dispose()


def test_components_are_the_specs_connection_schemas() -> None:
    parsed = core.generate()
    [(_, model)] = parsed.models
    assert (model["name"], model["schemaVersion"]) == ("meshery-core", "models.meshery.io/v1beta1")
    by_kind = {c["component"]["kind"]: c for _, c in parsed.components}
    assert sorted(by_kind) == UI_KINDS
    spec = apispec.document()["components"]["schemas"]
    for kind, component in by_kind.items():
        schema = json.loads(component["component"]["schema"])
        own = {k: v for k, v in spec[kind].items() if not k.startswith("x-")}
        assert schema == own  # the spec's schema itself, nothing written twice
        assert component["displayName"] == spec[kind]["title"]
        assert component["metadata"]["connection"]["kind"] == spec[kind]["x-meshery-core-component"]["connectionKind"]
    assert by_kind["KubernetesConnection"]["metadata"]["connection"] == {
        "kind": "kubernetes",
        "type": "platform",
        "subType": "orchestrator",
    }
    assert core.fingerprint() == parsed.content_hash == core.generate().content_hash


def test_references_are_inlined() -> None:
    doc: dict[str, Any] = {
        "info": {"version": "v1.2.3"},
        "components": {
            "schemas": {
                "Url": {"type": "string", "format": "uri", "x-note": "dropped"},
                "ThingConnection": {
                    "type": "object",
                    "x-meshery-core-component": {"connectionKind": "thing"},
                    "properties": {"url": {"$ref": "#/components/schemas/Url"}},
                },
            }
        },
    }
    parsed = core.generate(doc)
    [(_, model)] = parsed.models
    assert model["model"]["version"] == "1.2.3"
    [(_, component)] = parsed.components
    assert json.loads(component["component"]["schema"]) == {
        "type": "object",
        "properties": {"url": {"type": "string", "format": "uri"}},
    }


@pytest.fixture
async def core_client(tmp_path: Path, database_url: str, contract: ContractChecker) -> AsyncIterator[httpx.AsyncClient]:
    settings = app_settings(user_data_folder=tmp_path / "meshery", database_url=database_url, register_core_model=True)
    application: Starlette = create_app(settings)
    async with application.router.lifespan_context(application):
        await settle(application)
        async with contract_client(application, contract) as http:
            yield http


async def test_the_ui_finds_each_connection_components_model(core_client: httpx.AsyncClient) -> None:
    for kind in UI_KINDS:
        response = await core_client.get(f"/api/meshmodels/components/{kind}")
        assert response.status_code == 200, response.text
        components = response.json()["components"]
        assert len(components) == 1, kind
        assert components[0]["component"]["kind"] == kind
        model = components[0]["model"]
        assert (model["name"], model["displayName"]) == ("meshery-core", "Meshery Core")
        assert model["category"]["name"] == "Orchestration & Management"
    models = (await core_client.get("/api/meshmodels/models", params={"search": "meshery-core"})).json()
    assert [m["name"] for m in models["models"]] == ["meshery-core"]


async def _listed(store: Store) -> tuple[list[tuple[str, str]], int, list[str]]:
    """(name, version) of the listed models, the listed relationships and kubernetes' listed kinds."""
    _, models = await rq.list_models(store, rq.ModelFilter(), rq.Page(0, None), order="name", desc=False)
    relationships, _ = await rq.list_relationships(
        store, rq.RelationshipFilter(model="kubernetes"), rq.Page(0, None), order="", desc=False
    )
    _, comps = await rq.list_components(
        store, rq.ComponentFilter(model="kubernetes"), rq.Page(0, None), order="kind", desc=False
    )
    return [(m[2], m[4]) for m in models], relationships, [c[2] for c in comps]


async def test_built_in_kubernetes_never_hides_the_provided_one(store: Store, tmp_path: Path) -> None:
    reference = reference_or_skip()
    root = tmp_path / "models"
    shutil.copytree(reference / "kubernetes", root / "kubernetes")
    provided = json.loads((root / "kubernetes/v1.35.0/v1.0.0/model.json").read_text())["model"]["version"]
    await importer.import_sources(store, [root], static_k8s=False)
    alone = await _listed(store)
    assert alone[1] >= 1  # the reference model's relationships

    # The built-in model (a newer Kubernetes) is imported beside it: the provided one stays listed.
    await importer.import_sources(store, [root], static_k8s=True, core_model=True)
    models, relationships, kinds = await _listed(store)
    assert ("kubernetes", provided) in models and (
        "meshery-core",
        core.generate().models[0][1]["model"]["version"],
    ) in models
    assert [v for n, v in models if n == "kubernetes"] == [provided]
    assert (relationships, kinds) == alone[1:]

    # Without the provided model the built-in one is listed again.
    shutil.rmtree(root / "kubernetes")
    await importer.import_sources(store, [root], static_k8s=True, core_model=True)
    models, relationships, kinds = await _listed(store)
    [(_, built_in)] = [m for m in models if m[0] == "kubernetes"]
    assert built_in != provided and relationships == 0 and "Pod" in kinds
