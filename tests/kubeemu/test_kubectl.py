"""The real kubectl against the emulator: version, get, apply (client- and server-side), delete, watch."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from tests.fixtures.kubeemu import Kubectl
from tests.kubeemu import KubeEmulator

CONFIGMAP = """
apiVersion: v1
kind: ConfigMap
metadata:
  name: demo
data:
  a: "1"
  b: "2"
"""

DEPLOYMENT = """
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app: web}
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: web
        image: nginx:1.27
        ports: [{containerPort: 80}]
        env:
        - {name: A, value: "1"}
        - {name: B, value: "2"}
      - name: sidecar
        image: busybox:1.36
"""

CRD = """
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: brokers.meshery.io
spec:
  group: meshery.io
  names: {kind: Broker, listKind: BrokerList, plural: brokers, singular: broker}
  scope: Namespaced
  versions:
  - name: v1alpha1
    served: true
    storage: false
    schema: {openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}}
  - name: v1alpha2
    served: true
    storage: true
    schema: {openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}}
    subresources: {status: {}}
    additionalPrinterColumns:
    - {name: Size, type: integer, jsonPath: .spec.size}
    - {name: Age, type: date, jsonPath: .metadata.creationTimestamp}
"""

BROKER = """
apiVersion: v1
kind: Namespace
metadata: {name: meshery}
---
apiVersion: meshery.io/v1alpha2
kind: Broker
metadata: {name: meshery-broker, namespace: meshery}
spec: {size: 1, service: {type: ClusterIP}}
"""


@pytest.fixture
def config(kube_emulator_tls: KubeEmulator, tmp_path: Path) -> Path:
    return kube_emulator_tls.write_kubeconfig(tmp_path / "kubeconfig")


def _json(kubectl: Kubectl, config: Path, *args: str) -> dict:
    return json.loads(kubectl(*args, "-o", "json", kubeconfig=config).stdout)


def test_version_reports_the_emulated_server(kubectl: Kubectl, config: Path) -> None:
    out = json.loads(kubectl("version", "-o", "json", kubeconfig=config).stdout)
    assert out["serverVersion"]["gitVersion"] == "v1.32.0"
    assert out["serverVersion"]["goVersion"]


def test_get_lists_bootstrap_objects_and_seeded_pods(
    kubectl: Kubectl, config: Path, kube_emulator_tls: KubeEmulator
) -> None:
    kube_emulator_tls.seed_pods(3, namespace="apps")
    namespaces = _json(kubectl, config, "get", "namespaces")
    assert {"default", "kube-system", "apps"} <= {i["metadata"]["name"] for i in namespaces["items"]}
    pods = _json(kubectl, config, "get", "pods", "-A", "-l", "app=bench")
    assert sorted(i["metadata"]["name"] for i in pods["items"]) == ["pod-0", "pod-1", "pod-2"]
    table = kubectl("get", "po", "-n", "apps", kubeconfig=config).stdout.splitlines()
    assert table[0].split() == ["NAME", "READY", "STATUS", "RESTARTS", "AGE"]
    assert table[2].split()[:4] == ["pod-1", "1/1", "Running", "0"]
    nodes = kubectl("get", "nodes", kubeconfig=config).stdout.splitlines()
    assert nodes[1].split()[:2] == ["kubeemu-node", "Ready"]
    missing = kubectl("get", "pod", "nope", kubeconfig=config, check=False)
    assert missing.returncode != 0
    assert 'pods "nope" not found' in missing.stderr


def test_wrong_token_is_refused(kubectl: Kubectl, kube_emulator_tls: KubeEmulator, tmp_path: Path) -> None:
    bad = kube_emulator_tls.write_kubeconfig(tmp_path / "bad", token="wrong")
    result = kubectl("get", "pods", kubeconfig=bad, check=False)
    assert result.returncode != 0
    assert "provide credentials" in result.stderr or "Unauthorized" in result.stderr


def test_client_certificate_authenticates(kubectl: Kubectl, kube_emulator_tls: KubeEmulator, tmp_path: Path) -> None:
    from tests.kubeemu import write_kubeconfig

    path = write_kubeconfig(tmp_path / "cert", [kube_emulator_tls.context("cert", client_cert=True)])
    assert "kubernetes" in kubectl("get", "svc", kubeconfig=path).stdout


def test_client_side_apply_creates_then_patches_with_merge_keys(
    kubectl: Kubectl, config: Path, kube_emulator_tls: KubeEmulator
) -> None:
    manifest = CONFIGMAP + "---" + DEPLOYMENT
    created = kubectl("apply", "-f", "-", kubeconfig=config, input=manifest).stdout
    assert "configmap/demo created" in created
    assert "deployment.apps/web created" in created
    assert "unchanged" in kubectl("apply", "-f", "-", kubeconfig=config, input=manifest).stdout

    changed = (
        manifest.replace('  b: "2"', '  c: "3"')
        .replace("replicas: 2", "replicas: 3")
        .replace('        - {name: B, value: "2"}\n', "")
        .replace("image: nginx:1.27", "image: nginx:1.28")
    )
    out = kubectl("apply", "-f", "-", kubeconfig=config, input=changed).stdout
    assert "configmap/demo configured" in out
    cm = kube_emulator_tls.get("v1", "ConfigMap", "demo", "default")
    assert cm is not None
    assert cm["data"] == {"a": "1", "c": "3"}
    deploy = kube_emulator_tls.get("apps/v1", "Deployment", "web", "default")
    assert deploy is not None
    assert deploy["spec"]["replicas"] == 3
    containers = deploy["spec"]["template"]["spec"]["containers"]
    assert [c["name"] for c in containers] == ["web", "sidecar"]
    assert containers[0]["image"] == "nginx:1.28"
    assert containers[0]["env"] == [{"name": "A", "value": "1"}]
    assert deploy["metadata"]["generation"] == 2
    patches = [r for r in kube_emulator_tls.requests if r.method == "PATCH"]
    assert {r.content_type for r in patches} == {"application/strategic-merge-patch+json"}


def test_server_side_apply_owns_fields_and_reports_conflicts(
    kubectl: Kubectl, config: Path, kube_emulator_tls: KubeEmulator
) -> None:
    out = kubectl("apply", "--server-side", "-f", "-", kubeconfig=config, input=CONFIGMAP + "---" + DEPLOYMENT)
    assert "configmap/demo serverside-applied" in out.stdout
    cm = kube_emulator_tls.get("v1", "ConfigMap", "demo", "default")
    assert cm is not None
    assert [m["manager"] for m in cm["metadata"]["managedFields"]] == ["kubectl"]

    # A key the manager stops applying is removed.
    kubectl("apply", "--server-side", "-f", "-", kubeconfig=config, input=CONFIGMAP.replace('  b: "2"\n', ""))
    cm = kube_emulator_tls.get("v1", "ConfigMap", "demo", "default")
    assert cm is not None
    assert cm["data"] == {"a": "1"}

    # Another manager changing a field kubectl owns conflicts, unless forced.
    other = DEPLOYMENT.replace("replicas: 2", "replicas: 5")
    conflict = kubectl(
        "apply", "--server-side", "--field-manager=other", "-f", "-", kubeconfig=config, input=other, check=False
    )
    assert conflict.returncode != 0
    assert 'conflict with "kubectl"' in conflict.stderr
    assert ".spec.replicas" in conflict.stderr
    kubectl(
        "apply",
        "--server-side",
        "--field-manager=other",
        "--force-conflicts",
        "-f",
        "-",
        kubeconfig=config,
        input=other,
    )
    deploy = kube_emulator_tls.get("apps/v1", "Deployment", "web", "default")
    assert deploy is not None
    assert deploy["spec"]["replicas"] == 5


def test_client_side_then_server_side_apply_upgrades_managers(
    kubectl: Kubectl, config: Path, kube_emulator_tls: KubeEmulator
) -> None:
    kubectl("apply", "-f", "-", kubeconfig=config, input=CONFIGMAP)
    kubectl("apply", "--server-side", "-f", "-", kubeconfig=config, input=CONFIGMAP)
    cm = kube_emulator_tls.get("v1", "ConfigMap", "demo", "default")
    assert cm is not None
    managers = {m["manager"] for m in cm["metadata"]["managedFields"]}
    assert "kubectl" in managers
    assert "kubectl-client-side-apply" not in managers
    kinds = [r.content_type for r in kube_emulator_tls.requests if r.method == "PATCH"]
    assert "application/json-patch+json" in kinds


def test_crd_then_custom_resource_apply_get_delete(
    kubectl: Kubectl, config: Path, kube_emulator_tls: KubeEmulator
) -> None:
    kubectl("apply", "-f", "-", kubeconfig=config, input=CRD)
    kubectl("wait", "--for", "condition=established", "crd/brokers.meshery.io", "--timeout=5s", kubeconfig=config)
    out = kubectl("apply", "-f", "-", kubeconfig=config, input=BROKER).stdout
    assert "broker.meshery.io/meshery-broker created" in out
    kubectl("apply", "-f", "-", kubeconfig=config, input=BROKER.replace("size: 1", "size: 2"))
    broker = _json(kubectl, config, "get", "broker", "meshery-broker", "-n", "meshery")
    assert broker["apiVersion"] == "meshery.io/v1alpha2"
    assert broker["spec"] == {"size": 2, "service": {"type": "ClusterIP"}}
    kubectl("apply", "--server-side", "--force-conflicts", "-f", "-", kubeconfig=config, input=BROKER)
    listed = kubectl("get", "brokers", "-A", kubeconfig=config).stdout.splitlines()
    assert listed[0].split() == ["NAMESPACE", "NAME", "SIZE", "AGE"]  # the CRD's printer columns
    assert listed[1].split()[:3] == ["meshery", "meshery-broker", "1"]
    assert "meshery.io/v1alpha2" in kubectl("api-resources", "--api-group=meshery.io", kubeconfig=config).stdout
    kubectl("delete", "-f", "-", kubeconfig=config, input=CRD)
    assert kube_emulator_tls.list("v1", "Namespace", None)  # still serving
    gone = kubectl("get", "brokers", "-A", kubeconfig=config, check=False)
    assert gone.returncode != 0


def test_delete_waits_until_gone(kubectl: Kubectl, config: Path, kube_emulator_tls: KubeEmulator) -> None:
    manifest = CONFIGMAP + "---" + DEPLOYMENT
    kubectl("apply", "-f", "-", kubeconfig=config, input=manifest)
    out = kubectl("delete", "-f", "-", kubeconfig=config, input=manifest).stdout
    assert 'configmap "demo" deleted' in out
    assert kube_emulator_tls.get("v1", "ConfigMap", "demo", "default") is None
    assert kube_emulator_tls.get("apps/v1", "Deployment", "web", "default") is None


def test_get_watch_prints_added_and_deleted(kubectl: Kubectl, config: Path, kube_emulator_tls: KubeEmulator) -> None:
    watcher = kubectl.popen("get", "configmaps", "-w", "--output-watch-events", kubeconfig=config)
    try:
        kube_emulator_tls.wait_for_watches(1, plural="configmaps", timeout=10)
        kubectl("apply", "-f", "-", kubeconfig=config, input=CONFIGMAP)
        kubectl("delete", "configmap", "demo", kubeconfig=config)
        time.sleep(0.3)
    finally:
        watcher.terminate()
        out, _ = watcher.communicate(timeout=10)
    lines = [line.split() for line in out.splitlines()]
    assert ["ADDED", "demo"] in [line[:2] for line in lines]
    assert ["DELETED", "demo"] in [line[:2] for line in lines]


def test_scale_logs_and_describe(kubectl: Kubectl, config: Path, kube_emulator_tls: KubeEmulator) -> None:
    kubectl("apply", "-f", "-", kubeconfig=config, input=DEPLOYMENT)
    assert "deployment.apps/web scaled" in kubectl("scale", "deploy/web", "--replicas=5", kubeconfig=config).stdout
    deploy = kube_emulator_tls.get("apps/v1", "Deployment", "web", "default")
    assert deploy is not None
    assert deploy["spec"]["replicas"] == 5
    assert "Name:               web" in kubectl("describe", "deploy", "web", kubeconfig=config).stdout
    kube_emulator_tls.seed_pods(1)
    kube_emulator_tls.pod_logs[("default", "pod-0")] = "hello\nworld\n"
    assert kubectl("logs", "pod-0", kubeconfig=config).stdout == "hello\nworld\n"


def test_kubectl_create_sends_protobuf_the_emulator_decodes(
    kubectl: Kubectl, config: Path, kube_emulator_tls: KubeEmulator
) -> None:
    for args in (
        ["namespace", "team"],
        ["configmap", "c", "-n", "team", "--from-literal=a=b"],
        ["secret", "generic", "s", "-n", "team", "--from-literal=k=v"],
        ["serviceaccount", "robot", "-n", "team"],
        ["deployment", "web", "-n", "team", "--image=nginx:1.27", "--replicas=3", "--port=80"],
        ["job", "once", "-n", "team", "--image=busybox", "--", "echo", "hi"],
        ["service", "clusterip", "web", "-n", "team", "--tcp=80:8080"],
        ["role", "reader", "-n", "team", "--verb=get,list", "--resource=pods"],
        ["rolebinding", "reader", "-n", "team", "--role=reader", "--serviceaccount=team:robot"],
        ["ingress", "web", "-n", "team", "--rule=a.example/=web:80"],
    ):
        kubectl("create", *args, kubeconfig=config)
    assert any("protobuf" in r.content_type for r in kube_emulator_tls.requests)
    secret = kube_emulator_tls.get("v1", "Secret", "s", "team")
    assert secret is not None
    assert (secret["data"], secret["type"]) == ({"k": "dg=="}, "Opaque")
    deploy = kube_emulator_tls.get("apps/v1", "Deployment", "web", "team")
    assert deploy is not None
    assert deploy["spec"]["replicas"] == 3
    assert deploy["spec"]["template"]["spec"]["containers"] == [
        {"name": "nginx", "image": "nginx:1.27", "ports": [{"containerPort": 80}]}
    ]
    job = kube_emulator_tls.get("batch/v1", "Job", "once", "team")
    assert job is not None
    assert job["spec"]["template"]["spec"]["containers"][0]["command"] == ["echo", "hi"]
    service = kube_emulator_tls.get("v1", "Service", "web", "team")
    assert service is not None
    assert service["spec"]["ports"][0]["targetPort"] == 8080
    binding = kube_emulator_tls.get("rbac.authorization.k8s.io/v1", "RoleBinding", "reader", "team")
    assert binding is not None
    assert binding["roleRef"] == {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "reader"}
    ingress = kube_emulator_tls.get("networking.k8s.io/v1", "Ingress", "web", "team")
    assert ingress is not None
    assert ingress["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]["port"] == {"number": 80}


def test_diff_patch_label_and_wait_for_delete(kubectl: Kubectl, config: Path, kube_emulator_tls: KubeEmulator) -> None:
    kubectl("apply", "-f", "-", kubeconfig=config, input=CONFIGMAP + "---" + DEPLOYMENT)
    same = kubectl("diff", "-f", "-", kubeconfig=config, input=DEPLOYMENT, check=False)
    assert (same.returncode, same.stdout) == (0, "")
    changed = kubectl(
        "diff", "-f", "-", kubeconfig=config, input=DEPLOYMENT.replace("replicas: 2", "replicas: 4"), check=False
    )
    assert changed.returncode == 1
    assert "+  replicas: 4" in changed.stdout
    deploy = kube_emulator_tls.get("apps/v1", "Deployment", "web", "default")
    assert deploy is not None
    assert deploy["spec"]["replicas"] == 2  # a diff is a dry run

    kubectl("patch", "cm", "demo", "--type=merge", "-p", '{"data":{"z":"1"}}', kubeconfig=config)
    kubectl("patch", "cm", "demo", "--type=json", "-p", '[{"op":"remove","path":"/data/a"}]', kubeconfig=config)
    kubectl("label", "cm", "demo", "tier=web", kubeconfig=config)
    cm = kube_emulator_tls.get("v1", "ConfigMap", "demo", "default")
    assert cm is not None
    assert (cm["data"], cm["metadata"]["labels"]) == ({"b": "2", "z": "1"}, {"tier": "web"})

    waiter = kubectl.popen("wait", "--for=delete", "cm/demo", "--timeout=10s", kubeconfig=config)
    kube_emulator_tls.wait_for_watches(1, plural="configmaps")
    kube_emulator_tls.delete("v1", "ConfigMap", "demo", "default")
    assert waiter.wait(10) == 0
    waiter.communicate()


def test_auth_reviews_and_service_account_tokens(
    kubectl: Kubectl, config: Path, kube_emulator_tls: KubeEmulator, tmp_path: Path
) -> None:
    assert kubectl("auth", "can-i", "delete", "pods", "-A", kubeconfig=config).stdout.strip() == "yes"
    assert "kubeemu-admin" in kubectl("auth", "whoami", kubeconfig=config).stdout
    kubectl("create", "serviceaccount", "robot", kubeconfig=config)
    token = kubectl("create", "token", "robot", "--duration=10m", kubeconfig=config).stdout.strip()
    assert token.startswith("kubeemu-sa-default-robot-")
    robot = kube_emulator_tls.write_kubeconfig(tmp_path / "robot", token=token)
    assert "robot" in kubectl("get", "sa", kubeconfig=robot).stdout
    review = {"apiVersion": "authentication.k8s.io/v1", "kind": "TokenReview", "spec": {"token": "forged"}}
    answer = kubectl("create", "-f", "-", "-o", "json", kubeconfig=config, input=json.dumps(review))
    assert json.loads(answer.stdout)["status"]["authenticated"] is False
