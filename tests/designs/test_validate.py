"""Registry binding and schema validation of designs: fields filled, flags, problems with codes and paths."""

from __future__ import annotations

import uuid
from dataclasses import asdict
from typing import Any

from generated import answers, errors
from meshery.context import Services
from meshery.designs import validate
from meshery.designs.document import parse_design
from meshery.designs.importers import import_source
from meshery.designs.validate import Problem, bind_definitions, validate_design
from meshery.registry.validate import MAX_ERRORS_PER_COMPONENT
from tests.designs.conftest import SAMPLES, reference_file
from tests.fixtures.queries import counting


def _component(kind: str, api_version: str, configuration: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "displayName": configuration.get("metadata", {}).get("name", kind.lower()),
        "component": {"kind": kind, "version": api_version},
        "configuration": configuration,
        **extra,
    }


def _design(*components: dict[str, Any]) -> dict[str, Any]:
    return parse_design({"name": "checked", "components": list(components)})


DEPLOYMENT = {
    "metadata": {"name": "api"},
    "spec": {
        "replicas": 2,
        "selector": {"matchLabels": {"app": "api"}},
        "template": {"metadata": {"labels": {"app": "api"}}, "spec": {"containers": [{"name": "c", "image": "x"}]}},
    },
}


async def test_binding_fills_definition_fields(services: Services) -> None:
    design = _design(_component("Deployment", "apps/v1", DEPLOYMENT), _component("Namespace", "v1", {}))
    await bind_definitions(services, design)
    deployment, namespace = design["components"]
    assert deployment["model"]["name"] == "kubernetes"
    assert deployment["model"]["displayName"] == "Kubernetes"
    assert deployment["model"]["category"]["name"] == "Orchestration & Management"
    assert deployment["model"]["registrant"]["kind"] == "github"
    assert deployment["metadata"]["isNamespaced"] is True
    assert namespace["metadata"]["isNamespaced"] is False
    assert namespace["metadata"]["genealogy"] == "parent"
    assert deployment["capabilities"] and deployment["format"] == "JSON" and deployment["status"] == "enabled"
    assert deployment["component"] == {"kind": "Deployment", "version": "apps/v1", "schema": ""}
    assert await validate_design(services, design) == []


async def test_problems_carry_codes_and_pointers(services: Services) -> None:
    broken = {
        "metadata": {"name": "api", "labels": {"app": 7}},
        "spec": {
            "replicas": "two",
            "selector": {"matchLabels": {"app": "api"}},
            "template": {"spec": {"containers": [{"image": "x"}]}},
        },
    }
    design = _design(
        _component("Deployment", "apps/v1", broken),
        _component("Gadget", "toys.example.com/v1", {"spec": {}}),
        {"id": str(uuid.uuid4()), "displayName": "kindless", "component": {"version": "v1"}, "configuration": {}},
    )
    problems = await validate_design(services, design)
    deployment_id, gadget_id, kindless_id = (c["id"] for c in design["components"])
    by_path = {(p.component_id, p.path): p for p in problems}
    assert by_path[(deployment_id, "/spec/replicas")].code == errors.ErrDesignConfigurationInvalid.code
    assert "two" in by_path[(deployment_id, "/spec/replicas")].message
    assert by_path[(deployment_id, "/metadata/labels/app")].code == errors.ErrDesignConfigurationInvalid.code
    missing = by_path[(deployment_id, "/spec/template/spec/containers/0")]
    assert missing.message == '"name" is a required property'
    unknown = by_path[(gadget_id, "")]
    assert unknown.code == errors.ErrDesignComponentUnresolved.code
    assert unknown.kind == "Gadget" and "toys.example.com/v1" in unknown.message
    assert by_path[(kindless_id, "")].code == errors.ErrDesignComponentIncomplete.code
    assert len(problems) == 5
    assert design["components"][1]["metadata"]["unresolved"] is True
    assert design["components"][1]["configuration"] == {"spec": {}}  # kept as it was
    # On the wire (the generated answer model of a design problem), by upstream's names.
    wire = answers.DesignProblem.model_validate(asdict(missing)).model_dump(by_alias=True, exclude_unset=True)
    assert wire == {
        "componentId": deployment_id,
        "component": "api",
        "kind": "Deployment",
        "path": "/spec/template/spec/containers/0",
        "code": errors.ErrDesignConfigurationInvalid.code,
        "message": '"name" is a required property',
    }


async def test_errors_are_capped_per_component(services: Services) -> None:
    containers = [{"image": "x"} for _ in range(MAX_ERRORS_PER_COMPONENT + 10)]
    config = {"metadata": {"name": "many"}, "spec": {"containers": containers}}
    problems = await validate_design(services, _design(_component("Pod", "v1", config)))
    assert len(problems) == MAX_ERRORS_PER_COMPONENT
    assert all(isinstance(p, Problem) for p in problems)


async def test_resolved_again_after_registration_clears_the_flag(services: Services) -> None:
    design = _design(_component("ConfigMap", "v1", {"metadata": {"name": "c"}}, metadata={"unresolved": True}))
    assert await validate_design(services, design) == []
    assert "unresolved" not in design["components"][0]["metadata"]


async def test_definitions_are_looked_up_in_one_batch_and_cached(services: Services) -> None:
    sample = reference_file(SAMPLES / "valid_manifest.yml")
    result = await import_source(services, sample)
    design = result.design
    with counting(services.store) as cold:
        await validate_design(services, _design(_component("Secret", "v1", {}), _component("Job", "batch/v1", {})))
    with counting(services.store) as warm:
        await validate_design(services, design)
    # a miss: generation, components of the kinds, their models; a hit: the generation only
    assert len(cold) == 3, cold
    assert len(warm) == 1, warm
    cache = services.store.cache.get(validate.CACHE_KEY)
    first = cache.found[("Deployment", "apps/v1")][0]
    await validate_design(services, design)
    assert cache.found[("Deployment", "apps/v1")][0] is first
    assert first.validator() is first.validator()


async def test_configuration_that_is_not_json_is_a_problem(services: Services) -> None:
    design = _design(_component("ConfigMap", "v1", {"data": {1: "one"}}))
    (problem,) = await validate_design(services, design)
    assert (problem.path, problem.code) == ("", errors.ErrDesignConfigurationInvalid.code)
    assert "not JSON" in problem.message


async def test_a_relationship_naming_an_absent_component_is_a_problem(services: Services) -> None:
    present = _component("Deployment", "apps/v1", DEPLOYMENT)
    gone = str(uuid.uuid4())
    relationship = {
        "id": str(uuid.uuid4()),
        "kind": "edge",
        "type": "non-binding",
        "subType": "reference",
        "status": "approved",
        "selectors": [{"allow": {"from": [{"id": gone, "kind": "Secret"}], "to": [{"id": present["id"]}]}}],
    }
    design = {**_design(present), "relationships": [relationship]}
    problems = [p for p in await validate_design(services, design) if p.code == errors.ErrRelationshipDangling.code]
    assert [(p.component_id, p.kind) for p in problems] == [(gone, "edge/non-binding/reference")]
    design["relationships"] = [{**relationship, "status": "deleted"}]
    assert not [p for p in await validate_design(services, design) if p.code == errors.ErrRelationshipDangling.code]
