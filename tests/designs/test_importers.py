"""import_source on every kind of artifact: real upstream samples, a Helm chart built here, compose, bad input."""

from __future__ import annotations

import io
import json
import tarfile
import uuid
from collections import Counter
from typing import Any

import pytest

from generated import errors
from meshery.context import Services
from meshery.designs.document import dump_design, parse_design
from meshery.designs.importers import SOURCE_TYPES, import_source, source_type_of
from meshery.designs.importers import helm as helm_importer
from meshery.registry import sources
from tests.designs.conftest import CONVERTER, DESIGN_FIXTURES, SAMPLES, build_chart, reference_file


def _kinds(design: dict[str, Any]) -> Counter[str]:
    return Counter(c["component"]["kind"] for c in design["components"])


def _codes(problems: list[Any]) -> Counter[str]:
    return Counter(p.code for p in problems)


async def test_valid_manifest_sample(services: Services) -> None:
    data = reference_file(SAMPLES / "valid_manifest.yml")
    result = await import_source(services, data, filename="valid_manifest.yml")
    assert result.source_type == "Kubernetes Manifest"
    assert result.source == data
    assert result.design["name"] == "valid_manifest"
    assert _kinds(result.design) == Counter(
        {"Pod": 20, "Deployment": 10, "Service": 10, "ClusterRole": 1, "ClusterRoleBinding": 1, "ServiceAccount": 1}
    )
    for component in result.design["components"]:
        assert component["model"]["name"] == "kubernetes"
        assert "unresolved" not in component["metadata"]
        assert component["configuration"]["metadata"]["name"] == component["displayName"]
        assert "apiVersion" not in component["configuration"]
    # Real schema findings in the sample: its pods' container ports lack containerPort, and its
    # ClusterRoleBinding has no roleRef.
    assert set(_codes(result.problems)) == {errors.ErrDesignConfigurationInvalid.code}
    found = Counter((p.kind, p.path, p.message) for p in result.problems)
    assert found == {
        ("Pod", "/spec/containers/0/ports/0", '"containerPort" is a required property'): 20,
        ("Deployment", "/spec/template/spec/containers/0/ports/0", '"containerPort" is a required property'): 10,
        ("ClusterRoleBinding", "", '"roleRef" is a required property'): 1,
    }


async def test_manifest_with_custom_resources(services: Services) -> None:
    result = await import_source(services, reference_file(SAMPLES / "manifest-with-crds.yml"))
    assert result.source_type == "Kubernetes Manifest"
    unresolved = {c["component"]["kind"] for c in result.design["components"] if c["metadata"].get("unresolved")}
    assert unresolved == {"GitRepository", "GithubActionRunner"}
    models = {c["model"]["name"] for c in result.design["components"] if c["metadata"].get("unresolved")}
    assert models == {"source.toolkit.fluxcd.io", "garo.tietoevry.com"}  # the API group, kept for unresolved ones
    flagged = [p for p in result.problems if p.code == errors.ErrDesignComponentUnresolved.code]
    assert {p.kind for p in flagged} == unresolved and all(p.path == "" for p in flagged)
    missing_name = [p for p in result.problems if p.message == '"name" is a required property']
    assert {p.kind for p in missing_name} == {"Deployment", "Pod"}
    assert all(p.path.endswith("/containers/0") for p in missing_name)


async def test_compose_sample(services: Services) -> None:
    result = await import_source(services, reference_file(SAMPLES / "valid-docker-compose.yml"))
    assert result.source_type == "Docker Compose"
    assert _kinds(result.design) == Counter({"Deployment": 2, "Service": 1, "PersistentVolumeClaim": 1})
    assert result.problems == []
    assert all(c["model"]["name"] == "kubernetes" for c in result.design["components"])


async def test_design_sample_and_fixtures(services: Services) -> None:
    result = await import_source(services, reference_file(SAMPLES / "valid_design.yml"))
    assert result.source_type == "Design"
    assert result.design["name"] == "Valid Design"
    assert result.problems == []
    edge = await import_source(services, reference_file(CONVERTER / "edge-firewall-relationship.yml"))
    assert edge.source_type == "Design" and len(edge.design["components"]) == 7
    legacy = await import_source(services, reference_file(DESIGN_FIXTURES / "sampleDesign.golden"))
    assert legacy.source_type == "Design" and legacy.design["name"] == "SampleApp"
    (component,) = legacy.design["components"]
    # "Application" is a pre-v1beta1 Meshery type with no apiVersion: kept, flagged, reported.
    assert component["metadata"]["unresolved"] is True
    assert [p.code for p in legacy.problems] == [errors.ErrDesignComponentIncomplete.code]


async def test_helm_chart_built_here(services: Services) -> None:
    chart = build_chart()
    result = await import_source(services, chart, filename="webapp-0.1.0.tgz", name="shop")
    assert result.source_type == "Helm Chart"
    assert result.source == chart
    design = result.design
    assert design["name"] == "shop"
    by_kind = {c["component"]["kind"]: c for c in design["components"]}
    assert set(by_kind) == {"CustomResourceDefinition", "Deployment", "Service"}
    deployment = by_kind["Deployment"]["configuration"]
    assert deployment["metadata"]["name"] == "shop-webapp"  # helper + .Release.Name
    assert deployment["spec"]["replicas"] == 2  # .Values
    assert deployment["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:1.27"
    assert [p["port"] for p in by_kind["Service"]["configuration"]["spec"]["ports"]] == [80, 443]  # if + range
    assert result.problems == []
    # The chart's CRD comes first, as helm installs crds/ before templates.
    assert design["components"][0]["component"]["kind"] == "CustomResourceDefinition"


async def test_helm_chart_values_switch_templates(services: Services) -> None:
    from tests.designs.conftest import CHART_FILES

    files = dict(CHART_FILES, **{"values.yaml": "replicas: 1\nimage: busybox\nservice:\n  enabled: false\n"})
    result = await import_source(services, build_chart(files), source_type="helm chart")
    assert _kinds(result.design) == Counter({"CustomResourceDefinition": 1, "Deployment": 1})
    assert result.design["name"] == "webapp"


async def test_custom_resources_bound_to_a_crd_in_the_same_design(services: Services) -> None:
    from tests.designs.conftest import CHART_FILES

    manifest = (
        CHART_FILES["crds/widgets.yaml"]
        + "---\n"
        + (
            "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: small}\nspec: {size: 3}\n---\n"
            "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: wrong}\nspec: {size: big}\n"
        )
    )
    result = await import_source(services, manifest.encode(), source_type="Kubernetes Manifest")
    widgets = [c for c in result.design["components"] if c["component"]["kind"] == "Widget"]
    assert len(widgets) == 2
    for widget in widgets:
        assert widget["metadata"].get("generatedFromCrd") is True
        assert "unresolved" not in widget["metadata"]
        assert widget["model"]["name"] == "example.com"
    (problem,) = result.problems
    assert (problem.component, problem.path, problem.code) == (
        "wrong",
        "/spec/size",
        errors.ErrDesignConfigurationInvalid.code,
    )


async def test_json_and_list_manifests(services: Services) -> None:
    items = [
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": f"c{i}"}, "data": {"k": "v"}} for i in range(3)
    ]
    as_list = json.dumps({"apiVersion": "v1", "kind": "List", "items": items}).encode()
    as_array = json.dumps(items).encode()
    as_yaml_list = dump_design({"apiVersion": "v1", "kind": "ConfigMapList", "items": items}).encode()
    for data in (as_list, as_array, as_yaml_list):
        result = await import_source(services, data, filename="objects.json")
        assert result.source_type == "Kubernetes Manifest"
        assert [c["displayName"] for c in result.design["components"]] == ["c0", "c1", "c2"]
        assert result.problems == []


async def test_round_trip_of_an_imported_design(services: Services) -> None:
    result = await import_source(services, reference_file(SAMPLES / "valid_manifest.yml"))
    text = dump_design(result.design)
    assert parse_design(text) == result.design
    again = await import_source(services, text.encode())
    assert again.source_type == "Design"
    assert again.design == result.design
    assert again.problems == result.problems


def test_source_types() -> None:
    assert SOURCE_TYPES == ("Design", "Kubernetes Manifest", "Helm Chart", "Docker Compose")
    assert source_type_of("helm chart") == "Helm Chart"
    assert source_type_of("Kubernetes_Manifest") == "Kubernetes Manifest"
    with pytest.raises(errors.ErrImportSourceType):
        source_type_of("Terraform")


def _tar(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("data", "kwargs", "error", "match"),
    [
        (b"\x00\x01binary", {}, errors.ErrImportSourceType, "no design"),
        (b"just: [a mapping]\n", {}, errors.ErrImportSourceType, "no design"),
        (b"a: b\n", {"source_type": "Terraform"}, errors.ErrImportSourceType, "Terraform"),
        (b"- 1\n- 2\n", {"source_type": "Kubernetes Manifest"}, errors.ErrImportManifestInvalid, "not a Kubernetes"),
        (b"kind: Pod\n", {"source_type": "Kubernetes Manifest"}, errors.ErrImportManifestInvalid, "apiVersion"),
        (b"a: [\n", {"source_type": "Kubernetes Manifest"}, errors.ErrImportManifestInvalid, "YAML"),
        (b"services: [1]\n", {"source_type": "Docker Compose"}, errors.ErrImportComposeInvalid, "services"),
        (
            b"services: {web: {image: x, ports: ['99999:80']}}\n",
            {"source_type": "Docker Compose"},
            errors.ErrImportComposeInvalid,
            "web",
        ),
        (b"name: x\ncomponents: {}\n", {}, errors.ErrDesignInvalid, "components"),
        (b"\x1f\x8bnot really gzip", {}, errors.ErrImportHelmChartInvalid, "not a chart"),
        (b"a: b", {"source_type": "Helm Chart"}, errors.ErrImportHelmChartInvalid, "not a chart"),
    ],
)
async def test_bad_inputs(
    services: Services, data: bytes, kwargs: dict[str, Any], error: type[errors.MesheryError], match: str
) -> None:
    with pytest.raises(error, match=match) as raised:
        await import_source(services, data, **kwargs)
    assert 400 <= raised.value.http_status < 500


async def test_bad_charts(services: Services, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(errors.ErrImportHelmChartInvalid, match=r"no Chart\.yaml"):
        await import_source(services, _tar({"x/values.yaml": b"a: 1\n"}))
    broken = build_chart({"Chart.yaml": "apiVersion: v2\nname: bad\nversion: 0.1.0\n", "templates/x.yaml": "{{ .Nope"})
    with pytest.raises(errors.ErrImportHelmChartInvalid, match="Helm"):
        await import_source(services, broken)
    # An archive that expands past the registry's per-file limit is refused before Helm sees it.
    monkeypatch.setattr(sources, "MAX_FILE_BYTES", 1000)
    big = build_chart({"Chart.yaml": "apiVersion: v2\nname: big\nversion: 0.1.0\n", "values.yaml": "#" * 5000})
    with pytest.raises(errors.ErrDesignTooLarge) as raised:
        await import_source(services, big)
    assert raised.value.http_status == 413


async def test_helm_engine_missing(services: Services, monkeypatch: pytest.MonkeyPatch) -> None:
    import builtins

    real_import = builtins.__import__

    def no_helm(name: str, *args: Any, **kwargs: Any) -> Any:
        if name == "helm_python":
            raise ImportError("No module named 'helm_python'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_helm)
    with pytest.raises(errors.ErrImportHelmUnavailable, match="helm-python-sdk") as raised:
        await import_source(services, build_chart())
    assert raised.value.http_status == 422
    assert helm_importer.PACKAGE == "helm-python-sdk"


async def test_name_and_ids(services: Services) -> None:
    given = str(uuid.uuid4())
    text = f"id: {given}\nname: original\ncomponents: []\n".encode()
    result = await import_source(services, text, name="renamed")
    assert (result.design["id"], result.design["name"]) == (given, "renamed")
    nameless = await import_source(services, reference_file(CONVERTER / "missing-name.yaml"), filename="mine.yaml")
    assert nameless.design["name"] == "mine"
    with pytest.raises(errors.ErrDesignInvalid, match="no name"):
        await import_source(services, reference_file(CONVERTER / "missing-name.yaml"))
