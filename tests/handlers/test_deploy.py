"""``POST|DELETE /api/pattern/deploy`` against the API emulator, checked with the real kubectl.

Every test runs on SQLite and PostgreSQL with contract-checked answers: a kubeconfig is
uploaded (its context becomes a connection), then designs are deployed, redeployed,
dry-run and undeployed; what the cluster holds is read back with kubectl and through
GraphQL ``getKubectlDescribe`` (MeshSync's stored copy).
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.designs.deploy_samples import (
    GROUP,
    as_yaml,
    component,
    configmaps_design,
    design,
    full_design,
    kubeconfig_with_down,
    upload,
)
from tests.fixtures.kubeemu import Kubectl
from tests.kubeemu import KubeEmulator

DEPLOY = "/api/pattern/deploy"
FIELD_MANAGER = "meshery-server"


class Cluster:
    """The emulator, its kubeconfig for kubectl, and the connection id it was uploaded as."""

    def __init__(self, emu: KubeEmulator, kubeconfig: Path, kubectl: Kubectl, conn_id: str, down_id: str) -> None:
        self.emu = emu
        self.kubeconfig = kubeconfig
        self._kubectl = kubectl
        self.conn_id = conn_id
        self.down_id = down_id

    def kubectl(self, *args: str, check: bool = True, input: str | None = None) -> Any:
        return self._kubectl(*args, kubeconfig=self.kubeconfig, check=check, input=input)

    def get(self, *args: str) -> dict[str, Any] | None:
        out = self.kubectl("get", *args, "-o", "json", "--show-managed-fields", check=False)
        return json.loads(out.stdout) if out.returncode == 0 else None


@pytest.fixture
async def cluster(
    kube_emulator_tls: KubeEmulator, kubectl: Kubectl, tmp_path: Path, client: httpx.AsyncClient
) -> AsyncIterator[Cluster]:
    # The emulator is set up before the app, so it stops after the app's MeshSync watches end.
    text = kubeconfig_with_down(kube_emulator_tls, tmp_path / "uploaded")
    answer = await upload(client, text)
    (conn_id,) = [c["connection_id"] for c in answer["connected_contexts"]]
    (down_id,) = [c["connection_id"] for c in answer["errored_contexts"]]
    path = kube_emulator_tls.write_kubeconfig(tmp_path / "kubectl-config", "emulated")
    yield Cluster(kube_emulator_tls, path, kubectl, conn_id, down_id)
    # Stop MeshSync's watches of the cluster while the event loop still runs, and let the TLS
    # connections closed last (MeshSync's and the deploys') finish their shutdown: a TLS socket
    # whose close is still pending when the test's loop ends is reported as unclosed.
    assert (await client.delete(f"/api/system/kubernetes/contexts/{conn_id}")).status_code == 200
    await asyncio.sleep(0.3)


async def deploy(client: httpx.AsyncClient, body: Any, *, method: str = "POST", **params: Any) -> httpx.Response:
    return await client.request(method, DEPLOY, json=body, params=params)


def statuses(result: dict[str, Any]) -> dict[str, str]:
    return {f"{r['kind']}/{r['name']}": r["status"] for r in result["results"]}


def managers(obj: dict[str, Any]) -> set[str]:
    return {m["manager"] for m in obj["metadata"].get("managedFields") or []}


async def eventually(check: Callable[[], Any], within: float = 10.0) -> Any:
    deadline = time.monotonic() + within
    while True:
        value = await check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {within} s")
        await asyncio.sleep(0.1)


async def describe(client: httpx.AsyncClient, kind: str, name: str, namespace: str) -> str | None:
    query = (
        "query($n: String!, $k: String!, $ns: String!)"
        " { getKubectlDescribe(name: $n, kind: $k, namespace: $ns) { describe } }"
    )
    body = (
        await client.post(
            "/api/system/graphql/query", json={"query": query, "variables": {"n": name, "k": kind, "ns": namespace}}
        )
    ).json()
    if body.get("errors"):
        return None
    return str(body["data"]["getKubectlDescribe"]["describe"])


async def test_deploy_redeploy_and_undeploy(cluster: Cluster, client: httpx.AsyncClient) -> None:
    doc = full_design()
    answer = await deploy(client, {"pattern_file": as_yaml(doc)}, contexts=cluster.conn_id)
    assert answer.status_code == 200, answer.text
    result = answer.json()
    assert statuses(result) == {
        "Widget/gadget": "applied",
        "Deployment/web": "applied",
        "Service/web": "applied",
        "ConfigMap/settings": "applied",
        "CustomResourceDefinition/widgets.deploytest.meshery.io": "applied",
        "Namespace/shop": "applied",
    }
    # Namespaces first, then CRDs, then the rest (the design lists them the other way round).
    assert [r["kind"] for r in result["results"][:2]] == ["Namespace", "CustomResourceDefinition"]
    assert result["summary"] == {"total": 6, "applied": 6, "unchanged": 0, "deleted": 0, "failed": 0, "skipped": 0}
    assert {r["connectionId"] for r in result["results"]} == {cluster.conn_id}
    assert result["targets"] == [
        {"connectionId": cluster.conn_id, "name": "emulated", "server": cluster.emu.url, "reachable": True}
    ]
    assert {r["namespace"] for r in result["results"] if r["kind"] in ("Namespace", "CustomResourceDefinition")} == {""}

    # The real kubectl sees every object, written by our field manager.
    for args in (
        ("namespace", "shop"),
        ("crd", f"widgets.{GROUP}"),
        ("configmap", "settings", "-n", "shop"),
        ("deployment", "web", "-n", "shop"),
        ("service", "web", "-n", "shop"),
        (f"widgets.{GROUP}", "gadget", "-n", "shop"),
    ):
        obj = cluster.get(*args)
        assert obj is not None, args
        assert FIELD_MANAGER in managers(obj), (args, managers(obj))
    assert cluster.get("configmap", "settings", "-n", "shop")["data"] == {"mode": "fast"}  # type: ignore[index]

    # MeshSync discovers them: the getKubectlDescribe read-back shows the deployed objects.
    text = await eventually(lambda: describe(client, "ConfigMap", "settings", "shop"))
    assert "mode: fast" in text
    assert "nginx:1.27" in await eventually(lambda: describe(client, "Deployment", "web", "shop"))

    # Redeploying the same design changes nothing.
    again = await deploy(client, {"pattern_file": as_yaml(doc)}, contexts=cluster.conn_id)
    assert again.status_code == 200, again.text
    assert set(statuses(again.json()).values()) == {"unchanged"}

    # A changed design is applied again: only the changed object.
    doc["components"][3]["configuration"]["data"] = {"mode": "slow"}
    changed = await deploy(client, {"pattern_file": doc}, contexts=cluster.conn_id)
    assert statuses(changed.json())["ConfigMap/settings"] == "applied"
    assert statuses(changed.json())["Deployment/web"] == "unchanged"
    assert cluster.get("configmap", "settings", "-n", "shop")["data"] == {"mode": "slow"}  # type: ignore[index]

    # A dry-run undeploy deletes nothing; the undeploy deletes everything, in reverse order.
    dry = await deploy(client, {"pattern_file": doc}, method="DELETE", contexts=cluster.conn_id, dryRun="true")
    assert dry.status_code == 200 and set(statuses(dry.json()).values()) == {"deleted"}
    assert cluster.get("deployment", "web", "-n", "shop") is not None
    gone = await deploy(client, {"pattern_file": doc}, method="DELETE", contexts=cluster.conn_id)
    assert gone.status_code == 200, gone.text
    body = gone.json()
    assert body["action"] == "undeploy"
    assert set(statuses(body).values()) == {"deleted"}
    assert [r["kind"] for r in body["results"][-2:]] == ["CustomResourceDefinition", "Namespace"]
    assert cluster.get("namespace", "shop") is None
    assert cluster.get("crd", f"widgets.{GROUP}") is None
    assert cluster.kubectl("get", "configmaps", "-n", "shop", "-o", "name", check=False).stdout.strip() == ""

    # Undeploying again: everything is already absent.
    twice = await deploy(client, {"pattern_file": doc}, method="DELETE", contexts=cluster.conn_id)
    assert twice.status_code == 200 and set(statuses(twice.json()).values()) == {"skipped"}

    # One summary event per request, category pattern.
    events = (
        await client.get("/api/system/events", params={"category": json.dumps(["pattern"]), "pagesize": 100})
    ).json()
    actions = sorted(e["action"] for e in events["events"])
    assert actions.count("deploy") == 3 and actions.count("undeploy") == 3, actions


async def test_dry_run_changes_nothing(cluster: Cluster, client: httpx.AsyncClient) -> None:
    answer = await deploy(client, {"pattern_file": as_yaml(full_design("dry"))}, dryRun="true")
    assert answer.status_code == 200, answer.text
    result = answer.json()
    assert result["dryRun"] is True
    # The namespace and the CRD pass the server's dry run; what lives in them cannot be
    # checked, since a dry run creates neither.
    assert statuses(result) == {
        "Namespace/dry": "applied",
        "CustomResourceDefinition/widgets.deploytest.meshery.io": "applied",
        "Widget/gadget": "skipped",
        "Deployment/web": "skipped",
        "Service/web": "skipped",
        "ConfigMap/settings": "skipped",
    }
    assert "dry run" in result["results"][-1]["message"]
    assert cluster.get("namespace", "dry") is None
    assert cluster.get("crd", f"widgets.{GROUP}") is None
    assert cluster.get("deployment", "web", "-n", "dry") is None
    # Into an existing namespace, the objects themselves are dry-run: checked, not stored.
    cluster.kubectl("create", "namespace", "dry")
    bad = full_design("dry")
    bad["components"][3]["configuration"]["metadata"]["name"] = "Bad_Name"
    again = await deploy(client, {"pattern_file": bad}, dryRun="true")
    assert again.status_code == 207, again.text
    found = statuses(again.json())
    assert found["ConfigMap/Bad_Name"] == "failed" and found["Deployment/web"] == "applied"
    assert found["Namespace/dry"] == "applied"  # the design adds a label: it would change
    assert cluster.get("deployment", "web", "-n", "dry") is None


async def test_one_bad_object_fails_alone(cluster: Cluster, client: httpx.AsyncClient) -> None:
    doc = design(
        "partly-bad",
        [
            component("Namespace", "v1", {"metadata": {"name": "mixed"}}),
            component("ConfigMap", "v1", {"metadata": {"name": "Not_A_Valid_Name", "namespace": "mixed"}, "data": {}}),
            component("Gizmo", "nowhere.example.com/v1", {"metadata": {"name": "g", "namespace": "mixed"}, "spec": {}}),
            component("ConfigMap", "v1", {"metadata": {"name": "good", "namespace": "mixed"}, "data": {"a": "b"}}),
            component("ConfigMap", "v1", {"metadata": {"namespace": "mixed"}, "data": {}}),
        ],
    )
    answer = await deploy(client, {"pattern_file": as_yaml(doc)}, contexts=cluster.conn_id)
    assert answer.status_code == 207, answer.text
    result = answer.json()
    by_name = {r["name"]: r for r in result["results"]}
    assert by_name["good"]["status"] == "applied"
    assert by_name["mixed"]["status"] == "applied"
    assert by_name["Not_A_Valid_Name"]["status"] == "failed"
    assert by_name["Not_A_Valid_Name"]["error"]["code"] == "meshery-server-1662"
    assert "Not_A_Valid_Name" in by_name["Not_A_Valid_Name"]["error"]["message"]
    assert by_name["g"]["status"] == "failed"
    assert by_name["g"]["error"]["code"] == "meshery-server-1664"
    unnamed = [r for r in result["results"] if r["status"] == "failed" and r["error"]["code"] == "meshery-server-1666"]
    assert len(unnamed) == 1
    assert result["summary"]["failed"] == 3 and result["summary"]["applied"] == 2
    assert cluster.get("configmap", "good", "-n", "mixed") is not None
    # One event per failed object, plus the summary.
    events = (
        await client.get("/api/system/events", params={"category": json.dumps(["pattern"]), "pagesize": 100})
    ).json()["events"]
    assert sorted(e["severity"] for e in events) == ["error"] * 4


async def test_unreachable_connection_fails_with_a_code(cluster: Cluster, client: httpx.AsyncClient) -> None:
    doc = design("two-targets", [component("ConfigMap", "v1", {"metadata": {"name": "both"}, "data": {}})])
    answer = await client.post(
        DEPLOY,
        json={"pattern_file": as_yaml(doc)},
        params=[("contexts", cluster.conn_id), ("contexts", cluster.down_id)],
    )
    assert answer.status_code == 207, answer.text
    result = answer.json()
    by_target = {r["connectionId"]: r for r in result["results"]}
    assert by_target[cluster.conn_id]["status"] == "applied"
    assert by_target[cluster.down_id]["status"] == "failed"
    assert by_target[cluster.down_id]["error"]["code"] == "meshery-server-1663"
    reach = {t["connectionId"]: t["reachable"] for t in result["targets"]}
    assert reach == {cluster.conn_id: True, cluster.down_id: False}
    assert cluster.get("configmap", "both") is not None


async def test_raw_yaml_body_and_every_connected_target(cluster: Cluster, client: httpx.AsyncClient) -> None:
    doc = design("raw", [component("ConfigMap", "v1", {"metadata": {"name": "raw-body"}, "data": {"k": "v"}})])
    answer = await client.post(DEPLOY, content=as_yaml(doc), headers={"Content-Type": "application/yaml"})
    assert answer.status_code == 200, answer.text
    # No `contexts`: every connected connection (the unreachable one is not connected).
    assert [t["connectionId"] for t in answer.json()["targets"]] == [cluster.conn_id]
    assert cluster.get("configmap", "raw-body") is not None
    every = await deploy(client, {"pattern_file": as_yaml(doc)}, contexts="all")
    assert set(statuses(every.json()).values()) == {"unchanged"}
    # The design itself as the JSON body (it has its own `id`, which names no saved design).
    whole = await deploy(client, doc, method="DELETE")
    assert whole.status_code == 200, whole.text
    assert statuses(whole.json()) == {"ConfigMap/raw-body": "deleted"}


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({}, "meshery-server-1660"),
        ({"pattern_file": ""}, "meshery-server-1660"),
        ({"pattern_file": "name: x", "pattern_id": "00000000-0000-0000-0000-000000000001"}, "meshery-server-1660"),
        ({"name": "no design here"}, "meshery-server-1660"),
    ],
)
async def test_bad_bodies(client: httpx.AsyncClient, body: dict[str, Any], code: str) -> None:
    answer = await deploy(client, body)
    assert answer.status_code == 400, answer.text
    assert answer.json()["code"] == code


async def test_bad_raw_bodies_and_targets(client: httpx.AsyncClient) -> None:
    not_text = await client.post(DEPLOY, content=b"\xff\xfe\x00", headers={"Content-Type": "text/plain"})
    assert not_text.status_code == 400 and not_text.json()["code"] == "meshery-server-1660"
    blank = await client.post(DEPLOY, content=b"  \n", headers={"Content-Type": "application/yaml"})
    assert blank.status_code == 400 and blank.json()["code"] == "meshery-server-1660"
    not_a_design = await deploy(client, {"pattern_file": "- just\n- a list\n"})
    assert 400 <= not_a_design.status_code < 500, not_a_design.text
    doc = as_yaml(design("nowhere", [component("ConfigMap", "v1", {"metadata": {"name": "x"}})]))
    no_target = await deploy(client, {"pattern_file": doc})
    assert no_target.status_code == 400 and no_target.json()["code"] == "meshery-server-1661"
    unknown = await deploy(client, {"pattern_file": doc}, contexts="no-such-context")
    assert unknown.status_code == 404 and unknown.json()["code"] == "meshery-server-1302"


async def test_saved_design_by_id_counts_deployments(cluster: Cluster, client: httpx.AsyncClient) -> None:
    doc = design("saved", [component("ConfigMap", "v1", {"metadata": {"name": "from-store"}, "data": {"x": "1"}})])
    saved = await client.post("/api/pattern", json={"name": "saved", "pattern_data": {"pattern_file": as_yaml(doc)}})
    assert saved.status_code == 200, saved.text
    (record,) = saved.json()
    design_id = record["id"]
    answer = await deploy(client, {"pattern_id": design_id}, contexts=cluster.conn_id)
    assert answer.status_code == 200, answer.text
    assert answer.json()["design"] == {"id": design_id, "name": "saved"}
    assert cluster.get("configmap", "from-store") is not None
    await deploy(client, {"id": design_id}, dryRun="true")  # a dry run is not a deployment
    assert (await client.get(f"/api/pattern/{design_id}")).json()["deployment_count"] == 1
    removed = await deploy(client, {"id": design_id}, method="DELETE")
    assert statuses(removed.json()) == {"ConfigMap/from-store": "deleted"}
    assert (await client.get(f"/api/pattern/{design_id}")).json()["deployment_count"] == 1
    missing = await deploy(client, {"pattern_id": "00000000-0000-4000-8000-000000000000"})
    assert missing.status_code == 404, missing.text


async def test_crowded_kind_is_read_with_one_list(cluster: Cluster, client: httpx.AsyncClient) -> None:
    doc = configmaps_design(40, namespace="crowd")
    first = await deploy(client, {"pattern_file": doc}, contexts=cluster.conn_id)
    assert first.status_code == 200 and first.json()["summary"]["applied"] == 40
    seen = len(cluster.emu.requests)
    doc["components"][5]["configuration"]["data"] = {"changed": "yes"}
    again = await deploy(client, {"pattern_file": doc}, contexts=cluster.conn_id)
    assert again.json()["summary"] == {
        "total": 40,
        "applied": 1,
        "unchanged": 39,
        "deleted": 0,
        "failed": 0,
        "skipped": 0,
    }
    assert statuses(again.json())["ConfigMap/cm-00004"] == "applied"
    reads = [
        r for r in cluster.emu.requests[seen:] if r.method == "GET" and r.path.startswith("/api/v1/namespaces/crowd/")
    ]
    assert [r.path for r in reads] == ["/api/v1/namespaces/crowd/configmaps"]
    assert cluster.get("configmap", "cm-00004", "-n", "crowd")["data"] == {"changed": "yes"}  # type: ignore[index]
