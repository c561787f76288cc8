"""Discovery, /version, OpenAPI and health endpoints, including CRDs appearing and disappearing."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest

from tests.fixtures.kubeemu import TOKEN
from tests.kubeemu import KubeEmulator

AGG = (
    "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,"
    "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json"
)
CRD = {
    "apiVersion": "apiextensions.k8s.io/v1",
    "kind": "CustomResourceDefinition",
    "metadata": {"name": "meshsyncs.meshery.io"},
    "spec": {
        "group": "meshery.io",
        "scope": "Namespaced",
        "names": {"plural": "meshsyncs", "singular": "meshsync", "kind": "MeshSync", "shortNames": ["ms"]},
        "versions": [
            {"name": "v1alpha1", "served": True, "storage": False},
            {"name": "v1alpha2", "served": True, "storage": True, "subresources": {"status": {}}},
        ],
    },
}


@pytest.fixture
def http(kube_emulator: KubeEmulator) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=kube_emulator.url, headers={"Authorization": f"Bearer {TOKEN}"}) as session:
        yield session


def test_version_both_paths_all_fields(http: httpx.Client) -> None:
    for path in ("/version", "/version/"):
        info = http.get(path).json()
        for key in (
            "major",
            "minor",
            "gitVersion",
            "gitCommit",
            "gitTreeState",
            "buildDate",
            "goVersion",
            "compiler",
            "platform",
        ):
            assert info[key], key


def test_health_is_public_everything_else_needs_the_token(kube_emulator: KubeEmulator) -> None:
    assert httpx.get(f"{kube_emulator.url}/readyz").text == "ok"
    denied = httpx.get(f"{kube_emulator.url}/api", headers={"Authorization": "Bearer nope"})
    assert denied.status_code == 401
    assert denied.json()["reason"] == "Unauthorized"


def test_aggregated_discovery_when_asked(http: httpx.Client) -> None:
    core = http.get("/api", headers={"Accept": AGG})
    assert core.headers["content-type"] == "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"
    body = core.json()
    assert [i["metadata"]["name"] for i in body["items"]] == [""]
    pods = next(r for r in body["items"][0]["versions"][0]["resources"] if r["resource"] == "pods")
    assert pods["responseKind"] == {"group": "", "version": "v1", "kind": "Pod"}
    assert (pods["scope"], pods["singularResource"], pods["shortNames"]) == ("Namespaced", "pod", ["po"])
    beta = http.get("/apis", headers={"Accept": AGG.split(",", 1)[1]})
    assert "v=v2beta1" in beta.headers["content-type"]
    groups = {i["metadata"]["name"] for i in beta.json()["items"]}
    assert {"apps", "batch", "rbac.authorization.k8s.io", "networking.k8s.io", "apiextensions.k8s.io"} <= groups


def test_legacy_discovery(http: httpx.Client) -> None:
    assert http.get("/api").json()["versions"] == ["v1"]
    groups = http.get("/apis").json()
    assert groups["kind"] == "APIGroupList"
    apps = next(g for g in groups["groups"] if g["name"] == "apps")
    assert apps["preferredVersion"]["groupVersion"] == "apps/v1"
    resources = http.get("/apis/apps/v1").json()
    names = {r["name"] for r in resources["resources"]}
    assert {"deployments", "deployments/status", "deployments/scale", "statefulsets", "daemonsets"} <= names
    assert http.get("/apis/apps").json()["kind"] == "APIGroup"
    missing = http.get("/apis/nope.io/v1")
    assert (missing.status_code, missing.json()["kind"]) == (404, "Status")


def test_crd_is_served_and_withdrawn_everywhere(http: httpx.Client) -> None:
    assert http.post("/apis/apiextensions.k8s.io/v1/customresourcedefinitions", json=CRD).status_code == 201
    crd = http.get("/apis/apiextensions.k8s.io/v1/customresourcedefinitions/meshsyncs.meshery.io").json()
    assert {c["type"]: c["status"] for c in crd["status"]["conditions"]}["Established"] == "True"
    group = next(
        i for i in http.get("/apis", headers={"Accept": AGG}).json()["items"] if i["metadata"]["name"] == "meshery.io"
    )
    assert [v["version"] for v in group["versions"]] == ["v1alpha2", "v1alpha1"]  # preferred first
    legacy = next(g for g in http.get("/apis").json()["groups"] if g["name"] == "meshery.io")
    assert legacy["preferredVersion"]["version"] == "v1alpha2"
    assert {r["name"] for r in http.get("/apis/meshery.io/v1alpha2").json()["resources"]} == {
        "meshsyncs",
        "meshsyncs/status",
    }
    root = http.get("/openapi/v3").json()["paths"]
    assert "apis/meshery.io/v1alpha1" in root
    doc = http.get(root["apis/meshery.io/v1alpha2"]["serverRelativeURL"]).json()
    patch = doc["paths"]["/apis/meshery.io/v1alpha2/namespaces/{namespace}/meshsyncs/{name}"]["patch"]
    assert patch["x-kubernetes-group-version-kind"] == {
        "group": "meshery.io",
        "version": "v1alpha2",
        "kind": "MeshSync",
    }
    assert "fieldValidation" in {p["name"] for p in patch["parameters"]}

    cr = {"apiVersion": "meshery.io/v1alpha2", "kind": "MeshSync", "metadata": {"name": "m"}, "spec": {}}
    assert http.post("/apis/meshery.io/v1alpha2/namespaces/default/meshsyncs", json=cr).status_code == 201
    assert (
        http.delete("/apis/apiextensions.k8s.io/v1/customresourcedefinitions/meshsyncs.meshery.io").status_code == 200
    )
    assert http.get("/apis/meshery.io/v1alpha2/namespaces/default/meshsyncs/m").status_code == 404
    assert "meshery.io" not in {g["name"] for g in http.get("/apis").json()["groups"]}
    assert "apis/meshery.io/v1alpha2" not in http.get("/openapi/v3").json()["paths"]


def test_openapi_documents(http: httpx.Client) -> None:
    core = http.get("/openapi/v3/api/v1").json()
    patch = core["paths"]["/api/v1/namespaces/{namespace}/configmaps/{name}"]["patch"]
    assert patch["x-kubernetes-group-version-kind"]["kind"] == "ConfigMap"
    assert http.get("/openapi/v3/apis/nope/v1").status_code == 404
    protobuf = http.get("/openapi/v2", headers={"Accept": "application/com.github.proto-openapi.spec.v2@v1.0+protobuf"})
    assert protobuf.status_code == 404  # kubectl then falls back to its compiled-in schemas
    assert http.get("/openapi/v2", headers={"Accept": "application/json"}).json()["swagger"] == "2.0"


def test_errors_are_status_objects(http: httpx.Client) -> None:
    for method, path, code, reason in (
        ("GET", "/api/v1/namespaces/default/widgets", 404, "NotFound"),
        ("GET", "/nowhere", 404, "NotFound"),
        ("PUT", "/api/v1/namespaces/default/configmaps", 405, "MethodNotAllowed"),
        ("PATCH", "/api/v1/namespaces/default/configmaps/absent", 415, "UnsupportedMediaType"),
        ("GET", "/api/v1/pods?labelSelector=a%20in%20b", 400, "BadRequest"),
    ):
        answer = http.request(method, path)
        assert answer.status_code == code, path
        assert (answer.json()["kind"], answer.json()["reason"], answer.json()["code"]) == ("Status", reason, code)
    body = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "x"}}
    mismatch = http.post("/api/v1/namespaces/default/configmaps", json=body)
    assert (mismatch.status_code, mismatch.json()["reason"]) == (400, "BadRequest")
    invalid = http.post("/api/v1/namespaces/default/configmaps", json={"metadata": {}})
    assert (invalid.status_code, invalid.json()["details"]["causes"][0]["field"]) == (422, "metadata.name")
    for path, body, field in (
        (
            "/apis/apps/v1/namespaces/default/deployments",
            {"metadata": {"name": "d"}, "spec": {"replicas": "2"}},
            "spec.replicas",
        ),
        (
            "/api/v1/namespaces/default/pods",
            {"metadata": {"name": "p"}, "spec": {"containers": ["web"]}},
            "spec.containers[0]",
        ),
        (
            "/api/v1/namespaces/default/configmaps",
            {"metadata": {"name": "c", "ownerReferences": {}}},
            "metadata.ownerReferences",
        ),
        ("/api/v1/namespaces/default/secrets", {"metadata": {"name": "s"}, "data": {"k": 1}}, "data"),
    ):
        malformed = http.post(path, json=body)
        assert malformed.status_code == 422, path
        assert [c["field"] for c in malformed.json()["details"]["causes"]] == [field]
    bad_policy = http.request(
        "DELETE", "/api/v1/namespaces/default/services/kubernetes", json={"propagationPolicy": "Now"}
    )
    assert bad_policy.status_code == 422


def test_table_answers_for_kubectl(http: httpx.Client, kube_emulator: KubeEmulator) -> None:
    kube_emulator.seed_pods(2, phase="Pending")
    accept = {"Accept": "application/json;as=Table;v=v1;g=meta.k8s.io,application/json"}
    listed = http.get("/api/v1/namespaces/default/pods", headers=accept).json()
    assert listed["kind"] == "Table"
    assert [c["name"] for c in listed["columnDefinitions"]] == ["Name", "Ready", "Status", "Restarts", "Age"]
    assert listed["rows"][0]["cells"][:4] == ["pod-0", "0/1", "Pending", 0]
    assert listed["rows"][0]["object"]["kind"] == "PartialObjectMetadata"
    one = http.get("/api/v1/namespaces/default/services/kubernetes", headers=accept, params={"includeObject": "Object"})
    row = one.json()["rows"][0]
    assert row["cells"][1:5] == ["ClusterIP", "10.96.0.1", "<none>", "443/TCP"]
    assert row["object"]["kind"] == "Service"
    watched = http.get("/api/v1/namespaces?watch=1&timeoutSeconds=1", headers=accept).text.splitlines()
    assert {json.loads(line)["object"]["kind"] for line in watched} == {"Table"}
