"""Relationship evaluation without a server: every reference relationship file, the actions, the passes."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from generated import errors
from meshery.registry.evaluate import actions, engine, paths, selectors
from meshery.registry.evaluate.index import RelationshipIndex
from meshery.registry.evaluate.selectors import ComponentKey
from tests.fixtures.registry import reference_or_skip
from tests.registry import evaluate_designs as designs

FILES = designs.reference_relationship_files()


def _ops(result: engine.Result) -> list[str]:
    return [a["op"] for a in result.actions]


def _ends(relationship: dict[str, Any]) -> tuple[str, str]:
    allow = relationship["selectors"][0]["allow"]
    return allow["from"][0]["id"], allow["to"][0]["id"]


def test_the_reference_data_holds_relationship_files() -> None:
    reference_or_skip()
    assert len(FILES) >= 4


@pytest.mark.parametrize("file", FILES, ids=[f.name for f in FILES])
def test_every_reference_relationship_is_found_in_a_design_written_for_it(file: Path) -> None:
    definition = designs.load(file)
    design = designs.matching(definition)
    result = engine.run(design, [definition])
    added = [a["value"]["item"] for a in result.actions if a["op"] == actions.ADD_RELATIONSHIP]
    assert added, f"{file.name}: no relationship identified"
    for item in added:
        assert (item["kind"], item["type"], item["subType"]) == tuple(
            json.loads(file.read_text())[k] for k in ("kind", "type", "subType")
        )
    final = result.design["relationships"]
    assert final and all(r["status"] == "approved" for r in final)
    ids = {c["id"] for c in result.design["components"]}
    for relationship in final:
        source, target = _ends(relationship)
        assert source in ids and target in ids
    if definition.family == selectors.ALIAS:
        # one alias child per item of the parent's list, each bound to its item's path
        assert _ops(result).count(actions.ADD_COMPONENT) == 2
        aliases = result.design["metadata"]["resolvedAliases"]
        parent = design["components"][0]["id"]
        assert {a["resolved_parent_id"] for a in aliases.values()} == {parent}
        assert sorted(a["resolved_ref_field_path"][-1] for a in aliases.values()) == ["0", "1"]
    else:
        source, target = _ends(final[0])
        assert (source, target) == (design["components"][0]["id"], design["components"][1]["id"])
    assert result.design["version"] == ("0.0.3" if definition.family == selectors.ALIAS else "0.0.2")
    again = engine.run(result.design, [definition])
    assert _ops(again) == [], "evaluating an evaluated design changes nothing"


@pytest.mark.parametrize("file", FILES, ids=[f.name for f in FILES])
def test_every_reference_relationship_is_absent_from_a_design_that_does_not_satisfy_it(file: Path) -> None:
    definition = designs.load(file)
    result = engine.run(designs.not_matching(definition), [definition])
    assert result.actions == []
    assert result.design["relationships"] == []


def test_a_relationship_between_other_kinds_or_models_is_not_found() -> None:
    definition = designs.load(reference_file("reference-secret-to-deployment.json"))
    design = designs.matching(definition)
    swapped = copy.deepcopy(design)
    swapped["components"][0]["component"]["kind"] = "ConfigMap"
    assert engine.run(swapped, [definition]).actions == []
    other_model = copy.deepcopy(design)
    for component in other_model["components"]:
        component["model"]["name"] = "openshift"
    assert engine.run(other_model, [definition]).actions == []


def test_deny_selectors_refuse_a_pair() -> None:
    raw = json.loads(reference_file("reference-secret-to-deployment.json").read_text())
    raw["selectors"][0]["deny"] = {"from": [{"kind": "Secret"}], "to": [{"kind": "Deployment"}]}
    definition = selectors.compile_definition(raw)
    assert engine.run(designs.matching(definition), [definition]).actions == []


def test_an_approved_relationship_patches_the_mutated_path_with_the_mutator_value() -> None:
    definition = designs.load(reference_file("reference-secret-to-deployment.json"))
    evaluated = engine.run(designs.matching(definition), [definition]).design
    secret, deployment = evaluated["components"]
    evaluated["components"][0] = {**secret, "displayName": "renamed-secret"}
    result = engine.run(evaluated, [definition])
    mutated = definition.sets[0].allow_to[0].mutated[0]
    assert result.actions == [
        {
            "op": actions.UPDATE_CONFIGURATION,
            "value": {"id": deployment["id"], "path": mutated, "value": "renamed-secret"},
        }
    ]
    patched = next(c for c in result.design["components"] if c["id"] == deployment["id"])
    assert paths.get(patched, mutated) == "renamed-secret"
    assert result.passes == 2  # a configuration update is followed by a pass that finds nothing to do


def test_a_patch_outside_the_configuration_is_an_update_component() -> None:
    definition = designs.load(reference_file("edge-non-binding-network-rxxon.json"))
    evaluated = engine.run(designs.matching(definition), [definition]).design
    evaluated["components"][0] = {**evaluated["components"][0], "displayName": "10.0.0.9"}
    result = engine.run(evaluated, [definition])
    assert [a["op"] for a in result.actions] == [actions.UPDATE_COMPONENT]
    target = next(c for c in result.design["components"] if c["id"] == result.actions[0]["value"]["id"])
    assert target["metadata"]["name"] == "10.0.0.9"


def test_a_relationship_whose_component_is_gone_is_deleted() -> None:
    definition = designs.load(reference_file("reference-secret-to-deployment.json"))
    evaluated = engine.run(designs.matching(definition), [definition]).design
    relationship = evaluated["relationships"][0]
    evaluated["components"] = evaluated["components"][1:]
    result = engine.run(evaluated, [definition])
    assert _ops(result) == [actions.UPDATE_RELATIONSHIP, actions.DELETE_RELATIONSHIP]
    assert result.actions[0]["value"] == {"id": relationship["id"], "path": "/status", "value": "deleted"}
    assert result.design["relationships"] == []


def test_an_alias_whose_parent_field_is_gone_is_deleted_with_its_child() -> None:
    definition = designs.load(reference_file("hierarchical-parent-deployment-service.json"))
    evaluated = engine.run(designs.matching(definition), [definition]).design
    parent = evaluated["components"][0]
    ref = definition.sets[0].allow_from[0].mutator[0][:-1]
    evaluated["components"][0] = paths.put(parent, ref, [{"name": "first", "image": "nginx"}])
    result = engine.run(evaluated, [definition])
    assert _ops(result).count(actions.DELETE_RELATIONSHIP) == 1
    assert _ops(result).count(actions.DELETE_COMPONENT) == 1
    assert len(result.design["components"]) == 2 and len(result.design["relationships"]) == 1
    (alias,) = result.design["metadata"]["resolvedAliases"].values()
    assert alias["resolved_ref_field_path"][-1] == "0"


def test_diff_only_answers_what_changed() -> None:
    definition = designs.load(reference_file("reference-secret-to-deployment.json"))
    design = designs.matching(definition)
    design["components"].append(designs.component("Pod", "kubernetes", "untouched"))
    answer = engine.run(design, [definition]).answer(diff_only=True)
    assert answer["design"]["components"] == []  # no component changed
    assert len(answer["design"]["relationships"]) == 1
    assert answer["schemaVersion"] and answer["evaluationHash"] and answer["timestamp"].endswith("Z")


@pytest.mark.parametrize(
    "design",
    [[], {"components": {}}, {"components": [1]}, {"components": [{"id": ""}]}, {"relationships": ["x"]}],
)
def test_a_design_that_cannot_be_evaluated_is_refused(design: Any) -> None:
    with pytest.raises(errors.ErrEvaluationDesign):
        engine.run(design, [])


def test_a_design_that_never_settles_is_refused() -> None:
    # A relationship copying a component's field into a field below it: every pass nests it once more.
    raw = json.loads(reference_file("reference-secret-to-deployment.json").read_text())
    definition = selectors.compile_definition(raw)
    evaluated = engine.run(designs.matching(definition), [definition]).design
    loop = copy.deepcopy(evaluated["relationships"][0])
    loop["id"] = "00000000-0000-0000-0000-00000000beef"
    source, target = loop["selectors"][0]["allow"]["from"][0], loop["selectors"][0]["allow"]["to"][0]
    secret = evaluated["components"][0]
    evaluated["components"][0] = {**secret, "configuration": {"counter": {"n": 1}}}
    source["id"] = target["id"] = secret["id"]
    source["patch"] = {"mutatorRef": [["configuration", "counter"]]}
    target["patch"] = {"mutatedRef": [["configuration", "counter", "next"]]}
    evaluated["relationships"].append(loop)
    with pytest.raises(errors.ErrEvaluationUnsettled):
        engine.run(evaluated, [definition])


def test_version_bumps_like_semver_inc_patch() -> None:
    assert engine.bump("v0.0.9") == "0.0.10"
    assert engine.bump("1.2.3-rc.1") == "1.2.4"
    assert engine.bump("latest") == "0.0.1"


def test_the_index_offers_only_definitions_whose_kinds_are_present() -> None:
    reference_or_skip()
    rows = [(f"id-{i}", "enabled", "kubernetes", f.read_text()) for i, f in enumerate(FILES)]
    rows.append(("ignored", "ignored", "kubernetes", FILES[0].read_text()))
    rows.append(("broken", "enabled", "kubernetes", "{not json"))
    index = RelationshipIndex.build("g1", rows)
    assert index.size == len(FILES)

    def offered(*kinds: str, model: str = "kubernetes") -> set[str]:
        keys = [ComponentKey(kind=k, model=model, version="") for k in kinds]
        return {d.sub_type + ":" + d.sets[0].allow_from[0].kind for d in index.candidates(keys)}

    assert offered("Secret", "Deployment") == {"reference:Secret"}
    assert offered("Secret") == set()  # a pair needs both sides
    assert offered("Service") == {"alias:Deployment"}  # an alias needs only its parent
    assert offered("Secret", "Deployment", model="openshift") == set()
    assert offered("ConfigMap", "Deployment", "Secret", "IPAddress", "Service") == {
        "reference:Secret",
        "reference:ConfigMap",
        "network:IPAddress",
        "alias:Deployment",
    }


def reference_file(name: str) -> Path:
    reference_or_skip()
    found = [f for f in FILES if f.name == name]
    if not found:
        pytest.skip(f"{name} is not among the reference relationship files")
    return found[0]


def test_the_design_given_is_left_unchanged() -> None:
    """Callers (the handler, the benchmark) may keep using the design they passed."""
    for file in FILES:
        definition = designs.load(file)
        design = designs.matching(definition)
        before = copy.deepcopy(design)
        evaluated = engine.run(design, [definition]).design
        assert design == before
        if definition.family != selectors.ALIAS:  # a patch of the mutated path leaves the given design alone too
            evaluated["components"][0] = paths.put(
                evaluated["components"][0], definition.sets[0].allow_from[0].mutator[0], "changed"
            )
            kept = copy.deepcopy(evaluated)
            assert any(a["op"].startswith("update_component") for a in engine.run(evaluated, [definition]).actions)
            assert evaluated == kept


def test_values_beyond_64_bits_are_compared_and_hashed() -> None:
    definition = designs.load(reference_file("reference-secret-to-deployment.json"))
    design = designs.matching(definition)
    source, target = definition.sets[0].allow_from[0], definition.sets[0].allow_to[0]
    design["components"][0] = paths.put(design["components"][0], source.mutator[0], 2**70)
    design["components"][1] = paths.put(design["components"][1], target.mutated[0], 2**70)
    result = engine.run(design, [definition])
    assert _ops(result) == [actions.ADD_RELATIONSHIP, actions.UPDATE_RELATIONSHIP]
    assert result.answer()["evaluationHash"]


def test_design_preferences_turn_relationship_kinds_off() -> None:
    definition = designs.load(reference_file("reference-secret-to-deployment.json"))
    design = designs.matching(definition)
    design["preferences"] = {"layers": {"relationships": {"edge-non-binding-reference": False}}}
    assert engine.run(design, [definition]).actions == []
    design["preferences"]["layers"]["relationships"]["edge-non-binding-reference"] = True
    assert _ops(engine.run(design, [definition])) == [actions.ADD_RELATIONSHIP, actions.UPDATE_RELATIONSHIP]
