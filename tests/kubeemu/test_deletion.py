"""Deletion: finalizers, owner-reference propagation, namespaces, collections; plus generateName and dryRun."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest

from tests.fixtures.kubeemu import TOKEN
from tests.kubeemu import KubeEmulator

CMS = "/api/v1/namespaces/default/configmaps"
RS = "/apis/apps/v1/namespaces/default/replicasets"


@pytest.fixture
def http(kube_emulator: KubeEmulator) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=kube_emulator.url, headers={"Authorization": f"Bearer {TOKEN}"}) as session:
        yield session


def test_finalizers_hold_deletion_until_removed(http: httpx.Client) -> None:
    http.post(CMS, json={"metadata": {"name": "f", "finalizers": ["example.com/hold"]}})
    marked = http.delete(f"{CMS}/f")
    assert marked.status_code == 200
    assert marked.json()["metadata"]["deletionTimestamp"]
    assert http.get(f"{CMS}/f").json()["metadata"]["deletionTimestamp"]
    merge = {"Content-Type": "application/merge-patch+json"}
    assert http.patch(f"{CMS}/f", json={"metadata": {"finalizers": None}}, headers=merge).status_code == 200
    assert http.get(f"{CMS}/f").status_code == 404


def _owned_pod(name: str, owner_uid: str) -> dict:
    ref = {"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "rs", "uid": owner_uid, "controller": True}
    return {"metadata": {"name": name, "ownerReferences": [ref]}, "spec": {"containers": [{"name": "c", "image": "i"}]}}


@pytest.mark.parametrize(("policy", "survivors"), [("Background", []), ("Foreground", []), ("Orphan", ["p1", "p2"])])
def test_owner_references_drive_propagation(http: httpx.Client, policy: str, survivors: list[str]) -> None:
    rs = {"metadata": {"name": "rs"}, "spec": {"selector": {"matchLabels": {"a": "b"}}, "template": {}}}
    uid = http.post(RS, json=rs).json()["metadata"]["uid"]
    for name in ("p1", "p2"):
        assert http.post("/api/v1/namespaces/default/pods", json=_owned_pod(name, uid)).status_code == 201
    http.request("DELETE", f"{RS}/rs", json={"kind": "DeleteOptions", "propagationPolicy": policy})
    pods = http.get("/api/v1/namespaces/default/pods").json()["items"]
    assert [p["metadata"]["name"] for p in pods] == survivors
    assert all("ownerReferences" not in p["metadata"] for p in pods)


def test_namespace_deletion_takes_its_objects(http: httpx.Client, kube_emulator: KubeEmulator) -> None:
    kube_emulator.seed_pods(2, namespace="doomed")
    start = kube_emulator.resource_version
    deleted = http.delete("/api/v1/namespaces/doomed")
    assert (deleted.status_code, deleted.json()["status"]["phase"]) == (200, "Terminating")
    assert http.get("/api/v1/namespaces/doomed").status_code == 404
    assert kube_emulator.list("v1", "Pod", "doomed") == []
    events = [
        json.loads(line)
        for kind in ("namespaces", "pods")
        for line in http.get(f"/api/v1/{kind}?watch=1&resourceVersion={start}&timeoutSeconds=1").text.splitlines()
    ]
    seen = sorted((int(e["object"]["metadata"]["resourceVersion"]), e["type"], e["object"]["kind"]) for e in events)
    assert [(t, k) for _, t, k in seen] == [
        ("MODIFIED", "Namespace"),
        ("DELETED", "Pod"),
        ("DELETED", "Pod"),
        ("DELETED", "Namespace"),
    ]


def test_delete_collection_by_label_and_preconditions(http: httpx.Client) -> None:
    for n in range(4):
        http.post(CMS, json={"metadata": {"name": f"c{n}", "labels": {"even": str(n % 2 == 0).lower()}}})
    deleted = http.delete(CMS, params={"labelSelector": "even=true"}).json()
    assert sorted(i["metadata"]["name"] for i in deleted["items"]) == ["c0", "c2"]
    assert sorted(i["metadata"]["name"] for i in http.get(CMS).json()["items"]) == ["c1", "c3"]
    stale = http.request("DELETE", f"{CMS}/c1", json={"preconditions": {"resourceVersion": "1"}})
    assert (stale.status_code, stale.json()["reason"]) == (409, "Conflict")
    assert http.delete(f"{CMS}/absent").json()["reason"] == "NotFound"


def test_generate_name_and_dry_run(http: httpx.Client) -> None:
    made = http.post(CMS, json={"metadata": {"generateName": "job-"}}).json()
    assert made["metadata"]["name"].startswith("job-")
    assert len(made["metadata"]["name"]) == len("job-") + 5
    dry = http.post(CMS, params={"dryRun": "All"}, json={"metadata": {"name": "ghost"}})
    assert dry.status_code == 201
    assert http.get(f"{CMS}/ghost").status_code == 404
    assert http.delete(f"{CMS}/{made['metadata']['name']}", params={"dryRun": "All"}).status_code == 200
    assert http.get(f"{CMS}/{made['metadata']['name']}").status_code == 200
