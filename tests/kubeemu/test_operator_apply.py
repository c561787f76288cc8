"""kubectl applies an operator-shaped bundle (CRDs, RBAC, workloads, custom resources) and removes it."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fixtures.kubeemu import Kubectl
from tests.kubeemu import KubeEmulator


def _crd(plural: str, kind: str) -> str:
    return f"""
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {{name: {plural}.meshery.io}}
spec:
  group: meshery.io
  names: {{kind: {kind}, listKind: {kind}List, plural: {plural}, singular: {kind.lower()}}}
  scope: Namespaced
  versions:
  - {{name: v1alpha1, served: true, storage: false, schema: {{openAPIV3Schema: {{type: object}}}}}}
  - name: v1alpha2
    served: true
    storage: true
    schema: {{openAPIV3Schema: {{type: object, x-kubernetes-preserve-unknown-fields: true}}}}
    subresources: {{status: {{}}}}
"""


CRDS = _crd("brokers", "Broker") + "---" + _crd("meshsyncs", "MeshSync")

BUNDLE = """
apiVersion: v1
kind: Namespace
metadata: {name: meshery}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: meshery-operator, namespace: meshery}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: meshery-operator}
rules:
- {apiGroups: ["*"], resources: ["*"], verbs: ["*"]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: meshery-operator}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: meshery-operator}
subjects:
- {kind: ServiceAccount, name: meshery-operator, namespace: meshery}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: leader-election, namespace: meshery}
rules:
- {apiGroups: [coordination.k8s.io], resources: [leases], verbs: [get, create, update]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: leader-election, namespace: meshery}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: leader-election}
subjects:
- {kind: ServiceAccount, name: meshery-operator, namespace: meshery}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: meshery-operator, namespace: meshery, labels: {app: meshery-operator}}
spec:
  replicas: 1
  selector: {matchLabels: {app: meshery-operator}}
  template:
    metadata: {labels: {app: meshery-operator}}
    spec:
      serviceAccountName: meshery-operator
      containers:
      - name: manager
        image: meshery/meshery-operator:1.0.5
        args: [--enable-leader-election, "--metrics-addr=:8443", "--health-probe-bind-address=:8081"]
        ports: [{containerPort: 8443, name: https}]
---
apiVersion: v1
kind: Service
metadata: {name: meshery-operator, namespace: meshery}
spec:
  selector: {app: meshery-operator}
  ports: [{name: https, port: 8443, targetPort: https}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: allow-all, namespace: meshery}
spec: {podSelector: {}, ingress: [{}]}
---
apiVersion: batch/v1
kind: Job
metadata: {name: crd-upgrade, namespace: meshery}
spec:
  template:
    spec:
      restartPolicy: Never
      containers: [{name: upgrade, image: "alpine/k8s:1.35.6"}]
---
apiVersion: meshery.io/v1alpha2
kind: Broker
metadata: {name: meshery-broker, namespace: meshery}
spec: {size: 1, service: {type: ClusterIP}}
---
apiVersion: meshery.io/v1alpha2
kind: MeshSync
metadata: {name: meshery-meshsync, namespace: meshery}
spec:
  size: 1
  broker: {native: {name: meshery-broker, namespace: meshery}}
  watch-list:
    data:
      whitelist: '[{"Resource":"pods.v1.","Events":["ADDED","MODIFIED","DELETED"]}]'
"""


@pytest.mark.parametrize("mode", [[], ["--server-side"]], ids=["client-side", "server-side"])
def test_operator_bundle_applies_and_deletes(
    kubectl: Kubectl, kube_emulator_tls: KubeEmulator, tmp_path: Path, mode: list[str]
) -> None:
    config = kube_emulator_tls.write_kubeconfig(tmp_path / "config")
    kubectl("apply", *mode, "-f", "-", kubeconfig=config, input=CRDS)
    out = kubectl("apply", *mode, "-f", "-", kubeconfig=config, input=BUNDLE).stdout
    assert len(out.strip().splitlines()) == 12
    again = kubectl("apply", *mode, "-f", "-", kubeconfig=config, input=BUNDLE).stdout
    if not mode:
        assert all(line.endswith("unchanged") for line in again.strip().splitlines())
    deployment = kube_emulator_tls.get("apps/v1", "Deployment", "meshery-operator", "meshery")
    assert deployment is not None
    assert deployment["spec"]["template"]["spec"]["containers"][0]["image"] == "meshery/meshery-operator:1.0.5"
    meshsync = kube_emulator_tls.get("meshery.io/v1alpha2", "MeshSync", "meshery-meshsync", "meshery")
    assert meshsync is not None
    assert "pods.v1." in meshsync["spec"]["watch-list"]["data"]["whitelist"]
    names = kubectl("get", "brokers,meshsyncs,deploy,sa,role", "-n", "meshery", "-o", "name", kubeconfig=config).stdout
    assert "broker.meshery.io/meshery-broker" in names
    assert "deployment.apps/meshery-operator" in names

    kubectl("delete", "-f", "-", "--ignore-not-found", kubeconfig=config, input=BUNDLE)
    kubectl("delete", "-f", "-", kubeconfig=config, input=CRDS)
    assert kube_emulator_tls.get("v1", "Namespace", "meshery") is None
    assert kube_emulator_tls.list("rbac.authorization.k8s.io/v1", "ClusterRole") == []
    assert kube_emulator_tls.catalog.by_kind("meshery.io/v1alpha2", "Broker") is None
