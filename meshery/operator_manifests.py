"""The Meshery Operator's manifests, rendered here instead of by Helm (upstream's chart, by hand).

What upstream's ``meshery-operator`` chart 1.0.5 installs, reduced to what the server needs to
deploy and detect: the ``brokers.meshery.io`` and ``meshsyncs.meshery.io`` CRDs (v1alpha1 served,
v1alpha2 served and stored), namespace ``meshery``, the operator's service account and RBAC, its
Deployment, and the sample ``Broker`` and ``MeshSync`` resources the operator reconciles.
"""

from __future__ import annotations

import json
from typing import Any

NAMESPACE = "meshery"
OPERATOR_IMAGE = "meshery/meshery-operator:1.0.5"
OPERATOR_VERSION = "1.0.5"
MESHSYNC_VERSION = "1.0.3"
FIELD_MANAGER = "meshery-server"
WATCH_LIST = [
    {"Resource": rid, "Events": ["ADDED", "MODIFIED", "DELETED"]}
    for rid in (
        "namespaces.v1.",
        "configmaps.v1.",
        "nodes.v1.",
        "secrets.v1.",
        "persistentvolumes.v1.",
        "persistentvolumeclaims.v1.",
        "replicasets.v1.apps",
        "pods.v1.",
        "services.v1.",
        "deployments.v1.apps",
        "statefulsets.v1.apps",
        "daemonsets.v1.apps",
        "ingresses.v1.networking.k8s.io",
        "endpoints.v1.",
        "endpointslices.v1.discovery.k8s.io",
        "cronjobs.v1.batch",
        "replicationcontrollers.v1.",
        "storageclasses.v1.storage.k8s.io",
        "clusterroles.v1.rbac.authorization.k8s.io",
        "volumeattachments.v1.storage.k8s.io",
        "apiservices.v1.apiregistration.k8s.io",
        "customresourcedefinitions.v1.apiextensions.k8s.io",
        "jobs.v1.batch",
    )
]
LABELS = {"app.kubernetes.io/name": "meshery-operator", "app.kubernetes.io/managed-by": "meshery-server"}


def _crd(plural: str, kind: str) -> dict[str, Any]:
    schema = {"openAPIV3Schema": {"type": "object", "x-kubernetes-preserve-unknown-fields": True}}
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": f"{plural}.meshery.io", "labels": LABELS},
        "spec": {
            "group": "meshery.io",
            "names": {"plural": plural, "singular": kind.lower(), "kind": kind, "listKind": f"{kind}List"},
            "scope": "Namespaced",
            "versions": [
                {
                    "name": "v1alpha1",
                    "served": True,
                    "storage": False,
                    "schema": schema,
                    "subresources": {"status": {}},
                },
                {"name": "v1alpha2", "served": True, "storage": True, "schema": schema, "subresources": {"status": {}}},
            ],
        },
    }


def crds() -> list[dict[str, Any]]:
    return [_crd("brokers", "Broker"), _crd("meshsyncs", "MeshSync")]


def operator() -> list[dict[str, Any]]:
    """Namespace, RBAC and the operator Deployment."""
    meta = {"namespace": NAMESPACE, "labels": LABELS}
    return [
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NAMESPACE, "labels": LABELS}},
        {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "meshery-operator", **meta}},
        {
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "ClusterRole",
            "metadata": {"name": "meshery-operator", "labels": LABELS},
            "rules": [{"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]}],
        },
        {
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "ClusterRoleBinding",
            "metadata": {"name": "meshery-operator", "labels": LABELS},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "meshery-operator"},
            "subjects": [{"kind": "ServiceAccount", "name": "meshery-operator", "namespace": NAMESPACE}],
        },
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": "meshery-operator", **meta},
            "spec": {
                "replicas": 1,
                "selector": {"matchLabels": {"app": "meshery-operator"}},
                "template": {
                    "metadata": {"labels": {"app": "meshery-operator"}},
                    "spec": {
                        "serviceAccountName": "meshery-operator",
                        "containers": [
                            {
                                "name": "manager",
                                "image": OPERATOR_IMAGE,
                                "args": [
                                    "--enable-leader-election",
                                    "--metrics-addr=:8443",
                                    "--health-probe-bind-address=:8081",
                                ],
                            }
                        ],
                    },
                },
            },
        },
    ]


def custom_resources() -> list[dict[str, Any]]:
    """The Broker and MeshSync resources the operator turns into NATS and MeshSync."""
    return [
        {
            "apiVersion": "meshery.io/v1alpha2",
            "kind": "Broker",
            "metadata": {"name": "meshery-broker", "namespace": NAMESPACE, "labels": LABELS},
            "spec": {"size": 1, "service": {"type": "ClusterIP"}},
        },
        {
            "apiVersion": "meshery.io/v1alpha2",
            "kind": "MeshSync",
            "metadata": {"name": "meshery-meshsync", "namespace": NAMESPACE, "labels": LABELS},
            "spec": {
                "size": 1,
                "version": MESHSYNC_VERSION,
                "broker": {"native": {"name": "meshery-broker", "namespace": NAMESPACE}},
                "watch-list": {"data": {"whitelist": json.dumps(WATCH_LIST)}},
            },
        },
    ]


def all_manifests() -> list[dict[str, Any]]:
    """In apply order (CRDs before the resources of their kinds)."""
    return [*crds(), *operator(), *custom_resources()]
