"""Design import and validation through the routes, with the static Kubernetes model registered.

Every real example under reference/data goes through ``POST /api/pattern/import``; the answer
lists its validation problems, the stored design keeps every object, and the original artifact
downloads back byte for byte with the content type of its kind.
"""

from __future__ import annotations

import base64
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from starlette.applications import Starlette

from generated import errors
from meshery.app import create_app
from meshery.config import Settings
from tests.designs.conftest import CONVERTER, DESIGN_FIXTURES, SAMPLES, build_chart, reference_file
from tests.fixtures.app import app_settings, settle
from tests.fixtures.contract import ContractChecker, contract_client

DEPLOYMENT = """name: checked
components:
- displayName: web
  component: {kind: Deployment, version: apps/v1}
  model: {name: kubernetes}
  configuration:
    metadata: {name: web}
    spec:
      replicas: REPLICAS
      selector: {matchLabels: {app: web}}
      template:
        metadata: {labels: {app: web}}
        spec: {containers: [{name: web, image: nginx}]}
relationships: []
"""
SCHEMA_PROBLEM = errors.ErrDesignConfigurationInvalid.code


@pytest.fixture
def k8s_settings(tmp_path: Path, database_url: str) -> Settings:
    return app_settings(user_data_folder=tmp_path / "meshery", database_url=database_url, register_static_k8s=True)


@pytest.fixture
async def kclient(k8s_settings: Settings, contract: ContractChecker) -> AsyncIterator[httpx.AsyncClient]:
    application: Starlette = create_app(k8s_settings)
    async with application.router.lifespan_context(application):
        await settle(application)
        async with contract_client(application, contract) as http:
            yield http


async def _import(client: httpx.AsyncClient, data: bytes, filename: str, **form: str) -> dict[str, Any]:
    response = await client.post("/api/pattern/import", files={"file": (filename, data)}, data=form or None)
    assert response.status_code == 200, (filename, response.text)
    return response.json()  # type: ignore[no-any-return]


def _kinds(record: dict[str, Any]) -> Counter[str]:
    return Counter(c["component"]["kind"] for c in yaml.safe_load(record["pattern_file"])["components"])


async def test_saved_designs_are_validated(kclient: httpx.AsyncClient) -> None:
    good = await kclient.post(
        "/api/pattern", json={"pattern_data": {"pattern_file": DEPLOYMENT.replace("REPLICAS", "2")}}
    )
    assert good.status_code == 200 and good.json()[0]["problems"] == []
    bound = yaml.safe_load(good.json()[0]["pattern_file"])["components"][0]
    assert bound["model"]["name"] == "kubernetes" and not (bound.get("metadata") or {}).get("unresolved")
    bad = await kclient.post(
        "/api/pattern", json={"pattern_data": {"pattern_file": DEPLOYMENT.replace("REPLICAS", "two")}}
    )
    assert bad.status_code == 200
    (problem,) = bad.json()[0]["problems"]
    assert (problem["component"], problem["kind"], problem["path"], problem["code"]) == (
        "web",
        "Deployment",
        "/spec/replicas",
        SCHEMA_PROBLEM,
    )
    assert problem["componentId"] == bound["id"] or problem["componentId"]
    # A design with problems is still stored: the answer says what to fix.
    assert (await kclient.get("/api/pattern")).json()["total_count"] == 2
    dry = await kclient.post(
        "/api/pattern", json={"save": False, "pattern_data": {"pattern_file": DEPLOYMENT.replace("REPLICAS", "two")}}
    )
    assert [p["path"] for p in dry.json()[0]["problems"]] == ["/spec/replicas"]


async def test_reference_designs(kclient: httpx.AsyncClient) -> None:
    valid = await _import(kclient, reference_file(SAMPLES / "valid_design.yml"), "valid_design.yml")
    assert (valid["name"], valid["designType"], valid["problems"]) == ("Valid Design", "Design", [])
    edge = await _import(kclient, reference_file(CONVERTER / "edge-firewall-relationship.yml"), "edge.yml")
    assert sum(_kinds(edge).values()) == 7
    empty = await _import(kclient, reference_file(CONVERTER / "no-components.yaml"), "no-components.yaml")
    assert _kinds(empty) == Counter()
    nameless = await _import(kclient, reference_file(CONVERTER / "missing-name.yaml"), "mine.yaml")
    assert nameless["name"] == "mine"
    legacy = await _import(kclient, reference_file(DESIGN_FIXTURES / "sampleDesign.golden"), "sample.yaml")
    assert legacy["name"] == "SampleApp"
    assert [p["code"] for p in legacy["problems"]] == [errors.ErrDesignComponentIncomplete.code]
    basic = reference_file(SAMPLES.parents[3] / "schemas/artifacthub/designs/kubernetes_basic/1.0.0/design.yml")
    hub = await _import(kclient, basic, "design.yml")
    assert sum(_kinds(hub).values()) == len(yaml.safe_load(basic)["services"])
    for record, name in ((valid, "valid_design.yml"), (edge, "edge.yml")):
        source = await kclient.get(f"/api/pattern/download/{record['id']}/design")
        assert source.content == reference_file(
            SAMPLES / name if name == "valid_design.yml" else CONVERTER / "edge-firewall-relationship.yml"
        )


async def test_reference_manifests_and_compose(kclient: httpx.AsyncClient) -> None:
    manifest_bytes = reference_file(SAMPLES / "valid_manifest.yml")
    manifest = await _import(kclient, manifest_bytes, "valid_manifest.yml")
    assert (manifest["name"], manifest["designType"]) == ("valid_manifest", "Kubernetes Manifest")
    assert _kinds(manifest) == Counter(
        {"Pod": 20, "Deployment": 10, "Service": 10, "ClusterRole": 1, "ClusterRoleBinding": 1, "ServiceAccount": 1}
    )
    assert Counter(p["kind"] for p in manifest["problems"]) == {"Pod": 20, "Deployment": 10, "ClusterRoleBinding": 1}
    crds = await _import(kclient, reference_file(SAMPLES / "manifest-with-crds.yml"), "crds.yml")
    unresolved = {p["kind"] for p in crds["problems"] if p["code"] == errors.ErrDesignComponentUnresolved.code}
    assert unresolved == {"GitRepository", "GithubActionRunner"}
    compose_bytes = reference_file(SAMPLES / "valid-docker-compose.yml")
    compose = await _import(kclient, compose_bytes, "docker-compose.yml", designType="Docker Compose")
    assert compose["designType"] == "Docker Compose" and compose["problems"] == []
    assert _kinds(compose) == Counter({"Deployment": 2, "Service": 1, "PersistentVolumeClaim": 1})

    source = await kclient.get(f"/api/pattern/download/{manifest['id']}/manifest")
    assert source.content == manifest_bytes and source.headers["content-type"].startswith("application/x-yaml")
    assert (await kclient.get(f"/api/pattern/download/{compose['id']}/compose")).content == compose_bytes
    assert (await kclient.get(f"/api/pattern/download/{compose['id']}/design")).status_code == 404
    # The design of an imported manifest downloads as YAML and imports again as a design.
    text = (await kclient.get(f"/api/pattern/download/{manifest['id']}")).content
    again = await _import(kclient, text, "again.yml")
    assert again["designType"] == "Design" and _kinds(again) == _kinds(manifest)
    assert len(again["problems"]) == len(manifest["problems"])


async def test_helm_chart_import_and_source_download(kclient: httpx.AsyncClient) -> None:
    chart = build_chart()
    record = await _import(kclient, chart, "webapp-0.1.0.tgz", name="web release")
    assert record["designType"] == "Helm Chart" and sum(_kinds(record).values()) >= 1
    source = await kclient.get(f"/api/pattern/download/{record['id']}/helm")
    assert source.content == chart
    assert source.headers["content-type"] == "application/gzip"
    assert 'filename="web release.tgz"' in source.headers["content-disposition"]
    by_json = await kclient.post(
        "/api/pattern/import",
        json={"file": base64.b64encode(chart).decode(), "fileName": "webapp.tgz", "designType": "Helm Chart"},
    )
    assert by_json.status_code == 200 and by_json.json()["designType"] == "Helm Chart"
    typed = await kclient.post("/api/pattern/helm", json={"name": "typed", "file": base64.b64encode(chart).decode()})
    assert typed.status_code == 200 and typed.json()[0]["designType"] == "Helm Chart"
    broken = await kclient.post(
        "/api/pattern/import", files={"file": ("x.tgz", b"not a chart")}, data={"designType": "Helm Chart"}
    )
    assert broken.status_code == 400


async def test_source_type_routes_convert_manifests(kclient: httpx.AsyncClient) -> None:
    text = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c1}\ndata: {a: b}\n"
    created = await kclient.post("/api/pattern/manifest", json={"name": "cm", "pattern_data": {"pattern_file": text}})
    assert created.status_code == 200, created.text
    (record,) = created.json()
    assert (record["designType"], record["problems"]) == ("Kubernetes Manifest", [])
    assert _kinds(record) == Counter({"ConfigMap": 1})
    update = {"pattern_data": {"id": record["id"], "pattern_file": text + "---\n" + text.replace("c1", "c2")}}
    updated = await kclient.put("/api/pattern/manifest", json=update)
    assert updated.status_code == 200 and _kinds(updated.json()[0]) == Counter({"ConfigMap": 2})
    assert updated.json()[0]["id"] == record["id"]
    wrong = await kclient.post("/api/pattern/compose", json={"pattern_data": {"pattern_file": text}})
    assert wrong.status_code == 400
