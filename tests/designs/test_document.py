"""Design documents: both upstream forms, defaults, round trip, refusals with catalogued errors."""

from __future__ import annotations

import json
import uuid

import pytest

from generated import errors
from meshery.designs.document import dump_design, parse_design, to_manifest
from meshery.yamlio import MAX_NODES
from tests.designs.conftest import CONVERTER, DESIGN_FIXTURES, SAMPLES, reference_file


def test_valid_design_sample() -> None:
    design = parse_design(reference_file(SAMPLES / "valid_design.yml"))
    assert design["name"] == "Valid Design"
    assert design["schemaVersion"] == "designs.meshery.io/v1beta1"
    assert [c["component"]["kind"] for c in design["components"]] == ["ConfigMap", "Namespace"]
    assert design["components"][0]["id"] == "3a7cbdf2-110b-4334-b3e3-a91ec4319bb7"
    assert len(design["relationships"]) == 1
    # timestamps stay strings (no datetime objects leak into JSON answers)
    registrant = design["components"][0]["model"]["registrant"]
    assert isinstance(registrant["created_at"], str)
    json.dumps(design)


@pytest.mark.parametrize("name", ["edge-firewall-relationship.yml", "no-components.yaml", "missing-version.yaml"])
def test_converter_samples(name: str) -> None:
    text = reference_file(CONVERTER / name)
    design = parse_design(text)
    assert design["name"]
    assert design["version"]
    assert parse_design(dump_design(design)) == design


def test_missing_version_gets_default() -> None:
    design = parse_design(reference_file(CONVERTER / "missing-version.yaml"))
    assert design["version"] == "0.0.1"


def test_missing_name_is_refused() -> None:
    with pytest.raises(errors.ErrDesignInvalid, match="no name"):
        parse_design(reference_file(CONVERTER / "missing-name.yaml"))


def test_legacy_sample_design() -> None:
    design = parse_design(reference_file(DESIGN_FIXTURES / "sampleDesign.golden"))
    assert design["name"] == "SampleApp"
    (component,) = design["components"]
    assert component["displayName"] == "myapp"
    assert component["component"]["kind"] == "Application"
    assert component["configuration"]["metadata"] == {"name": "myapp", "namespace": "test"}
    assert component["configuration"]["replicas"] == 1
    uuid.UUID(component["id"])


def test_legacy_pattern_files_of_the_list_golden() -> None:
    page = json.loads(reference_file(DESIGN_FIXTURES / "list.design.api.response.golden"))
    files = [p["patternFile"] for p in page["patterns"] if p.get("patternFile")]
    assert files
    services = positioned = 0
    for text in files:
        design = parse_design(text)
        assert design["name"]
        assert parse_design(dump_design(design)) == design
        for component in design["components"]:
            assert component["component"]["kind"]
            assert component["metadata"]["additionalproperties"]["legacyService"] == component["displayName"]
            services += 1
            positioned += "position" in component.get("styles", {})
    assert services > 0
    assert positioned > 0


def test_round_trip_and_manifest() -> None:
    text = """
name: web
components:
  - displayName: api
    component: {kind: Deployment, version: apps/v1}
    model: {name: kubernetes}
    configuration:
      apiVersion: apps/v1
      metadata: {namespace: prod, labels: {app: api}}
      spec: {replicas: 2}
"""
    design = parse_design(text)
    assert parse_design(dump_design(design)) == design
    assert parse_design(json.dumps(design)) == design
    assert parse_design(design) == design
    manifest = to_manifest(design["components"][0])
    assert manifest == {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "api", "namespace": "prod", "labels": {"app": "api"}},
        "spec": {"replicas": 2},
    }
    manifest["spec"]["replicas"] = 5
    assert design["components"][0]["configuration"]["spec"]["replicas"] == 2


BOMB = "\n".join(
    [f"l0: &l0 [{', '.join(['x'] * 9)}]"]
    + [f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 9)}]" for i in range(1, 9)]
    + ["name: bomb"]
)


@pytest.mark.parametrize(
    ("text", "error", "match"),
    [
        ("- a\n- b\n", errors.ErrDesignInvalid, "mapping"),
        ('"just a string"', errors.ErrDesignInvalid, "mapping"),
        ("name: x\n  bad: [", errors.ErrDesignInvalid, "YAML"),
        (b"\xff\xfe\x00", errors.ErrDesignInvalid, "UTF-8"),
        ("name: x\nid: not-a-uuid\n", errors.ErrDesignBadId, "not a UUID"),
        ("name: x\ncomponents:\n  - id: 42\n", errors.ErrDesignBadId, "UUID"),
        ("name: x\ncomponents: 3\n", errors.ErrDesignInvalid, "components must be a list"),
        ("name: x\ncomponents: [1]\n", errors.ErrDesignInvalid, r"components\[0\]"),
        ("name: x\ncomponents: [{configuration: [1]}]\n", errors.ErrDesignInvalid, "configuration"),
        ("name: x\nservices: [1]\n", errors.ErrDesignInvalid, "services"),
        ("name: [x]\n", errors.ErrDesignInvalid, "name must be a string"),
        (BOMB, errors.ErrDesignTooLarge, str(MAX_NODES)),
        ("name: x\nloop: &a [*a]\n", errors.ErrDesignTooLarge, "itself"),
        ("name: x\nd: " + "[" * 3000 + "]" * 3000, errors.ErrDesignInvalid, "nesting"),
    ],
)
def test_bad_inputs_are_catalogued(text: str | bytes, error: type[errors.MesheryError], match: str) -> None:
    with pytest.raises(error, match=match) as raised:
        parse_design(text)
    assert 400 <= raised.value.http_status < 500


def test_duplicate_component_ids_are_refused() -> None:
    same = str(uuid.uuid4())
    with pytest.raises(errors.ErrDesignBadId, match="repeats"):
        parse_design({"name": "x", "components": [{"id": same}, {"id": same}]})


def test_size_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("meshery.designs.document.MAX_DESIGN_BYTES", 100)
    with pytest.raises(errors.ErrDesignTooLarge):
        parse_design("name: x\n" + "#" * 200)
