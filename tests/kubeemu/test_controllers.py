"""The optional controllers (``KubeEmulator(controllers=True)``): workloads get Pods that run."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fixtures.kubeemu import TOKEN, Kubectl
from tests.kubeemu import KubeEmulator

DEPLOYMENT = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: web, image: "nginx:1.27"}]
"""

OTHERS = """
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  replicas: 2
  serviceName: db
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec:
      containers: [{name: db, image: "postgres:17"}]
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent}
spec:
  selector: {matchLabels: {app: agent}}
  template:
    metadata: {labels: {app: agent}}
    spec:
      containers: [{name: agent, image: "agent:1"}]
---
apiVersion: batch/v1
kind: Job
metadata: {name: once}
spec:
  template:
    spec:
      restartPolicy: Never
      containers: [{name: once, image: "busybox:1.36"}]
---
apiVersion: v1
kind: Pod
metadata: {name: solo}
spec:
  containers: [{name: solo, image: "busybox:1.36"}]
"""


@pytest.fixture
def emu() -> Iterator[KubeEmulator]:
    with KubeEmulator(tokens=[TOKEN], tls=True, controllers=True) as emulator:
        yield emulator


def _pods(emu: KubeEmulator, prefix: str) -> list[dict]:
    return [p for p in emu.list("v1", "Pod", "default") if p["metadata"]["name"].startswith(prefix)]


def test_deployment_rolls_out_running_pods(kubectl: Kubectl, emu: KubeEmulator, tmp_path: Path) -> None:
    config = emu.write_kubeconfig(tmp_path / "config")
    kubectl("apply", "-f", "-", kubeconfig=config, input=DEPLOYMENT)
    ready = kubectl("get", "deploy", "web", "--no-headers", kubeconfig=config).stdout.split()
    assert ready[:4] == ["web", "2/2", "2", "2"]
    pods = _pods(emu, "web-")
    assert [(p["status"]["phase"], p["spec"]["nodeName"]) for p in pods] == [("Running", "kubeemu-node")] * 2
    assert {p["metadata"]["ownerReferences"][0]["kind"] for p in pods} == {"ReplicaSet"}
    kubectl("rollout", "status", "deploy/web", "--timeout=5s", kubeconfig=config)

    # A new pod template: a new ReplicaSet takes over, the old one is scaled to zero.
    kubectl("apply", "-f", "-", kubeconfig=config, input=DEPLOYMENT.replace("nginx:1.27", "nginx:1.28"))
    replicasets = {r["metadata"]["name"]: r["spec"]["replicas"] for r in emu.list("apps/v1", "ReplicaSet", "default")}
    assert sorted(replicasets.values()) == [0, 2]
    assert {p["spec"]["containers"][0]["image"] for p in _pods(emu, "web-")} == {"nginx:1.28"}

    # A deleted pod is replaced; scaling changes the count; deleting the Deployment takes everything.
    victim = _pods(emu, "web-")[0]["metadata"]["name"]
    kubectl("delete", "pod", victim, kubeconfig=config)
    names = {p["metadata"]["name"] for p in _pods(emu, "web-")}
    assert len(names) == 2
    assert victim not in names
    kubectl("scale", "deploy/web", "--replicas=4", kubeconfig=config)
    assert len(_pods(emu, "web-")) == 4
    kubectl("delete", "deploy", "web", kubeconfig=config)
    assert emu.list("apps/v1", "ReplicaSet", "default") == []
    assert _pods(emu, "web-") == []


def test_statefulset_daemonset_job_and_bare_pod(kubectl: Kubectl, emu: KubeEmulator, tmp_path: Path) -> None:
    config = emu.write_kubeconfig(tmp_path / "config")
    kubectl("apply", "-f", "-", kubeconfig=config, input=OTHERS)
    phases = {p["metadata"]["name"]: p["status"]["phase"] for p in emu.list("v1", "Pod", "default")}
    assert phases.pop("db-0") == phases.pop("db-1") == phases.pop("solo") == "Running"
    assert sorted((name.rsplit("-", 1)[0], phase) for name, phase in phases.items()) == [
        ("agent", "Running"),
        ("once", "Succeeded"),
    ]
    job = emu.get("batch/v1", "Job", "once", "default")
    assert job is not None
    assert job["status"]["succeeded"] == 1
    kubectl("delete", "pod", "db-1", kubeconfig=config)
    assert {p["metadata"]["name"] for p in _pods(emu, "db-")} == {"db-0", "db-1"}  # same name back
    table = kubectl("get", "sts,ds", "--no-headers", kubeconfig=config).stdout
    assert "2/2" in table


def test_controllers_are_off_by_default(kube_emulator: KubeEmulator) -> None:
    kube_emulator.seed(
        [
            {
                "apiVersion": "apps/v1",
                "kind": "Deployment",
                "metadata": {"name": "still", "namespace": "default"},
                "spec": {"replicas": 1, "template": {"spec": {"containers": [{"name": "c", "image": "i"}]}}},
            }
        ]
    )
    assert kube_emulator.list("apps/v1", "ReplicaSet") == []
    kube_emulator.controllers.attach()
    kube_emulator.patch("apps/v1", "Deployment", "still", "default", merge={"spec": {"replicas": 2}})
    assert len(kube_emulator.list("v1", "Pod", "default")) == 2
