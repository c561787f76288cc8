"""Finding 6 (issue 15): registry poisoning without login.

Every registry write (the registrant routes, register, generate, status changes, deletion)
needs a session (declared in the spec: a 401 under a remote provider without one), and the
built-in models (static Kubernetes, meshery-core) cannot be overwritten, extended or deleted by
users: ``ErrRegistryBuiltinModel`` (403), with the stored definitions unchanged. Run on both
databases (the built-in model is registered, then attacked).
"""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette

from generated import errors
from generated.operations import OPERATIONS
from meshery.app import create_app
from meshery.registry import core
from tests.fixtures.app import app_settings, settle
from tests.fixtures.contract import ContractChecker, contract_client
from tests.fixtures.remote_provider import RemoteProviderProcess
from tests.providers.conftest import RemoteClient, remote_client  # noqa: F401  (fixture)

WRITES = [
    "registerComponentsMeshmodel",
    "registerComponentsRegistry",
    "registerRelationshipsMeshmodel",
    "registerRelationshipsRegistry",
    "registerMeshmodelComponentsLegacy",
    "registerEntitiesMeshmodel",
    "registerEntitiesRegistry",
    "generateComponentsMeshmodel",
    "generateComponentsRegistry",
    "updateEntityStatusMeshmodel",
    "updateEntityStatusRegistry",
    "deleteModelMeshmodel",
    "deleteModelRegistry",
    "registerConnectionDefinitionMeshmodel",
    "updateConnectionDefinitionMeshmodel",
    "deleteConnectionDefinitionMeshmodel",
]


def test_every_registry_write_declares_a_session() -> None:
    public = [op for op in WRITES if OPERATIONS[op].public]
    assert public == []


async def test_registry_writes_answer_401_without_a_session(
    remote_client: RemoteClient,  # noqa: F811  (the fixture imported above)
    remote_provider: RemoteProviderProcess,
) -> None:
    async with remote_client(provider="Reference") as http:
        for op in WRITES:
            info = OPERATIONS[op]
            path = info.path.replace("{entityType}", "components").replace("{model}", "x")
            path = path.replace("{connectionDefinitionId}", "00000000-0000-0000-0000-000000000000")
            answer = await http.request(info.method, path, json={})
            assert (answer.status_code, answer.json()["code"]) == (401, errors.ErrUnauthenticated.code), op


@pytest.fixture
async def core_client(tmp_path: Path, database_url: str, contract: ContractChecker) -> AsyncIterator[httpx.AsyncClient]:
    """An app that registered the built-in meshery-core model, on either database."""
    settings = app_settings(user_data_folder=tmp_path / "meshery", database_url=database_url, register_core_model=True)
    app: Starlette = create_app(settings)
    async with app.router.lifespan_context(app):
        await settle(app)
        async with contract_client(app, contract) as http:
            yield http


def _component(model: str, kind: str) -> dict[str, object]:
    entity = {
        "displayName": kind,
        "model": {"name": model, "model": {"version": core.generate().models[0][1]["model"]["version"]}},
        "component": {"version": "core.meshery.io/v1alpha1", "kind": kind, "schema": '{"type": "string"}'},
    }
    return {
        "entityType": "component",
        "connection": {"kind": "meshery"},
        "entity": base64.b64encode(json.dumps(entity).encode()).decode(),
    }


async def _core_components(http: httpx.AsyncClient) -> list[tuple[str, str]]:
    answer = await http.get(f"/api/registry/models/{core.MODEL_NAME}/components", params={"pagesize": "all"})
    assert answer.status_code == 200
    return sorted((c["component"]["kind"], c["component"]["schema"]) for c in answer.json()["components"])


async def test_built_in_models_cannot_be_overwritten(core_client: httpx.AsyncClient) -> None:
    http = core_client
    before = await _core_components(http)
    assert before, "the core model was registered"
    kind = before[0][0]
    for path in ("/api/meshmodels/components", "/api/registry/components", "/api/meshmodel/components/register"):
        answer = await http.post(path, json=_component(core.MODEL_NAME, kind))
        assert (answer.status_code, answer.json()["code"]) == (403, errors.ErrRegistryBuiltinModel.code), path
    # Spelled differently, or as a whole posted model, or generated: refused as well.
    answer = await http.post("/api/meshmodels/components", json=_component(" Kubernetes ", "ConfigMap"))
    assert (answer.status_code, answer.json()["code"]) == (403, errors.ErrRegistryBuiltinModel.code)
    model = {
        "schemaVersion": "models.meshery.io/v1beta1",
        "name": core.MODEL_NAME,
        "registrant": {"kind": "meshery"},
        "model": {"version": "9.9.9"},
        "components": [{"displayName": kind, "component": {"version": "x/v1", "kind": kind, "schema": "{}"}}],
    }
    answer = await http.post("/api/registry/register", json={"uploadType": "json", "importBody": {"model": model}})
    assert (answer.status_code, answer.json()["code"]) == (403, errors.ErrRegistryBuiltinModel.code)
    crd = "kind: CustomResourceDefinition\nspec: {group: k8s.io, names: {kind: ConfigMap}, versions: [{name: v1}]}\n"
    answer = await http.post(
        "/api/registry/generate", json={"crds": crd, "register": True, "model": {"name": "kubernetes"}}
    )
    assert (answer.status_code, answer.json()["code"]) == (403, errors.ErrRegistryBuiltinModel.code)
    models = (await http.get(f"/api/registry/models/{core.MODEL_NAME}")).json()["models"]
    answer = await http.delete(f"/api/registry/models/{models[0]['id']}")
    assert (answer.status_code, answer.json()["code"]) == (403, errors.ErrRegistryBuiltinModel.code)
    assert await _core_components(http) == before
    # A model of the user's own name is still registered.
    answer = await http.post("/api/meshmodels/components", json=_component("my-model", "Thing"))
    assert answer.status_code == 201
