"""``POST /api/meshmodels/relationships/evaluate`` over the reference models, checked against ``@meshery/schemas``.

The app imports the reference model packages (their relationship files); each file's design
(written from its selectors, ``tests/registry/evaluate_designs.py``) is sent as the package's
``EvaluationRequest`` and the answer is validated by the package's ``EvaluationResponse``.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from meshery.config import Settings
from meshery.registry import service
from tests.conformance import package, schemas
from tests.fixtures.app import SharedApp, app_settings, shared_for
from tests.fixtures.contract import ContractChecker, contract_client
from tests.fixtures.registry import FIXTURES, reference_or_skip
from tests.registry import evaluate_designs as designs

FILES = designs.reference_relationship_files()
OPERATION = "POST /api/meshmodels/relationships/evaluate"
# The package's schemaVersion pattern refuses upstream's own values (`relationships.meshery.io/v1alpha3`,
# `designs.meshery.io/v1beta1`): the reference files' relationships carry them into the answer.
UPSTREAM_SCHEMA_VERSIONS = ("relationships.meshery.io/", "designs.meshery.io/", "components.meshery.io/")


@pytest.fixture(scope="module")
def package_operation() -> package.Operation | None:
    if package.unavailable():
        return None
    return package.load().operation(OPERATION)


POLICY = {
    "schemaVersion": "policies.meshery.io/v1beta1",
    "version": "v1.0.0",
    "name": "edge-network-policy",
    "kind": "relationship",
    "expression": "package eval",
}


def _policy_package(root: Path) -> Path:
    """A model (copied from the committed ``demo`` package) that also ships a policy definition."""
    base = root / "demo" / "1.0.0" / "v1.0.0"
    shutil.copytree(FIXTURES / "demo" / "1.0.0" / "v1.0.0", base, dirs_exist_ok=True)
    (base / "policies").mkdir(exist_ok=True)
    (base / "policies" / "edge-network-policy.json").write_text(json.dumps(POLICY))
    return root


@pytest.fixture(scope="module")
def shared_evaluation_app(
    request: pytest.FixtureRequest,
    database_backend: str,
    shared_apps: dict[str, SharedApp],
    tmp_path_factory: pytest.TempPathFactory,
) -> SharedApp:
    """One app per database for the module, holding the reference models (each test starts it afresh)."""
    models = reference_or_skip()

    def make(folder: Path, url: str) -> tuple[Settings, None]:
        policies = _policy_package(folder / "policy-models")
        settings = app_settings(
            user_data_folder=folder / "meshery", database_url=url, meshery_models_path=(models, policies)
        )
        return settings, None

    def folder() -> Path:
        return tmp_path_factory.mktemp(f"evaluate-{database_backend}")

    return shared_for(request, shared_apps, key="evaluate", backend=database_backend, folder=folder, make=make)


@pytest.fixture
async def eclient(shared_evaluation_app: SharedApp, contract: ContractChecker) -> AsyncIterator[httpx.AsyncClient]:
    application = shared_evaluation_app.fresh()
    async with application.router.lifespan_context(application):
        await service.run_import(application.state.meshery.services)
        async with contract_client(application, contract) as http:
            yield http


def _base(operation: package.Operation | None) -> dict[str, Any] | None:
    """A component declaration the package's schema accepts (ids, model, kind are set per test)."""
    if operation is None:
        return None
    body = schemas.sample(operation.bodies[0].schema, hints={"schemaVersion": "v1", "version": "v1.0.0"})
    component: dict[str, Any] = body["design"]["components"][0]
    return component


def _package_problems(schema: dict[str, Any], value: Any, inherited: dict[str, Any] | None = None) -> set[str]:
    """Where ``value`` misses the package's schema, less what upstream's own data misses.

    The package's patterns refuse upstream's schemaVersion values, and a relationship declaration
    carries its registry definition's fields unchanged (empty model versions, ``replace`` patch
    strategy, null ``match_strategy_matrix``): a problem the definition file itself has at the same
    place, validated by the package's relationship schema, is upstream's, not the evaluation's.
    """
    found = {
        f"{where} {kind}"
        for where, kind, message in schemas.problems(schema, value)
        if not (
            where.endswith("schemaVersion")
            and kind == "pattern"
            and any(v in message for v in UPSTREAM_SCHEMA_VERSIONS)
        )
    }
    if inherited is not None:
        items = schema["properties"]["design"]["properties"]["relationships"]["items"]
        own = {f"design.relationships[].{where} {kind}" for where, kind, _ in schemas.problems(items, inherited)}
        found -= own
    return found


async def test_each_reference_relationship_is_evaluated_through_the_api(
    eclient: httpx.AsyncClient, package_operation: package.Operation | None
) -> None:
    assert FILES, "no reference relationship files"
    for file in FILES:  # one app start for all of them (the suite's time budget)
        await _evaluate_through_the_api(eclient, package_operation, file)


async def _evaluate_through_the_api(
    client: httpx.AsyncClient, package_operation: package.Operation | None, file: Path
) -> None:
    definition = designs.load(file)
    design = designs.matching(definition, _base(package_operation))
    design["schemaVersion"] = "v1"
    request = {"design": design}
    if package_operation is not None:
        assert _package_problems(package_operation.bodies[0].schema, request) == set()
    answer = await client.post("/api/meshmodels/relationships/evaluate", json=request)
    assert answer.status_code == 200, f"{file.name}: {answer.text}"
    body = answer.json()
    assert set(body) >= {"schemaVersion", "design", "actions", "evaluationHash", "timestamp"}
    added = [a["value"]["item"] for a in body["actions"] if a["op"] == "add_relationship"]
    raw = definition.raw
    assert added and all(
        (r["kind"], r["type"], r["subType"]) == (raw["kind"], raw["type"], raw["subType"]) for r in added
    ), file.name
    assert body["design"]["relationships"] and all(r["status"] == "approved" for r in body["design"]["relationships"])
    if package_operation is not None:
        assert _package_problems(package_operation.responses["200"]["schema"], body, raw) == set()
    missing = designs.not_matching(definition, _base(package_operation))
    quiet = await client.post("/api/registry/relationships/evaluate", json={"design": missing})
    assert quiet.status_code == 200, quiet.text
    assert quiet.json()["actions"] == [] and quiet.json()["design"]["relationships"] == [], file.name


async def test_a_relationship_registered_later_is_evaluated_at_once(eclient: httpx.AsyncClient) -> None:
    reference_or_skip()
    raw = json.loads(next(f for f in FILES if f.name == "reference-secret-to-deployment.json").read_text())
    definition = designs.load(next(f for f in FILES if f.name == "reference-secret-to-deployment.json"))
    design = designs.matching(definition)
    for component, kind in zip(design["components"], ("Gadget", "Widget"), strict=True):
        component["component"]["kind"] = kind
    before = await eclient.post("/api/meshmodels/relationships/evaluate", json={"design": design})
    assert before.json()["actions"] == []
    # a model of the user's own (the built-in kubernetes model cannot be changed by users)
    for component in design["components"]:
        component["model"]["name"] = "gizmos"
    raw["id"] = "7d1d9c3e-3f0b-4a0e-9c55-0b2c5f0e4a11"
    raw["model"]["name"] = "gizmos"
    raw["model"]["registrant"]["kind"] = "github"
    for side, kind in (("from", "Gadget"), ("to", "Widget")):
        raw["selectors"][0]["allow"][side][0]["kind"] = kind
        raw["selectors"][0]["allow"][side][0]["model"]["name"] = "gizmos"
    registered = await eclient.post("/api/registry/relationships", json={"entityType": "relationship", "entity": raw})
    assert registered.status_code == 201, registered.text
    after = await eclient.post("/api/meshmodels/relationships/evaluate", json={"design": design})
    assert [a["op"] for a in after.json()["actions"]] == ["add_relationship", "update_relationship"]


async def test_a_design_that_cannot_be_evaluated_is_a_400(eclient: httpx.AsyncClient) -> None:
    for body, code in (
        ({"design": {"components": [{"component": {"kind": "Pod"}}]}}, "meshery-server-1001"),  # no id: the spec's
        ({"design": {"components": "none"}}, None),  # refused by the spec
        ({"options": {}}, None),
    ):
        answer = await eclient.post("/api/meshmodels/relationships/evaluate", json=body)
        assert answer.status_code == 400, answer.text
        if code:
            assert answer.json()["code"] == code


async def test_policies_of_a_model_answer_what_the_registry_holds(eclient: httpx.AsyncClient) -> None:
    for prefix in ("/api/meshmodels", "/api/registry"):
        listed = await eclient.get(f"{prefix}/models/demo/policies")
        assert listed.status_code == 200, listed.text
        body = listed.json()
        assert body["total_count"] == 1
        (policy,) = body["policies"]
        assert (policy["name"], policy["expression"], policy["model"]["name"]) == (
            "edge-network-policy",
            "package eval",
            "demo",
        )
        named = (await eclient.get(f"{prefix}/models/demo/policies/edge-network-policy")).json()
        assert [p["id"] for p in named["policies"]] == [policy["id"]]
        assert (await eclient.get(f"{prefix}/models/demo/policies/other")).json()["policies"] == []
        assert (await eclient.get(f"{prefix}/models/kubernetes/policies")).json()["total_count"] == 0
