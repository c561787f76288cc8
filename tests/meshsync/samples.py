"""Kubernetes objects and upstream MeshSync messages for tests and benchmarks."""

from __future__ import annotations

import json
import uuid
from typing import Any

from meshery.meshsync.model import object_to_wire

CLUSTER = "7d2c5a51-0a3c-4a5e-9f0e-000000000001"


def pod(name: str, namespace: str = "default", *, labels: dict[str, str] | None = None, rv: int = 1) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": namespace, "uid": str(uuid.uuid5(uuid.NAMESPACE_DNS, namespace + name)),
                     "resourceVersion": str(rv), "creationTimestamp": "2026-01-01T00:00:00Z",
                     "labels": labels or {"app": name}, "annotations": {"note": "x"}},
        "spec": {"containers": [{"name": "c", "image": "nginx:1.27"}]},
        "status": {"phase": "Running"},
    }  # fmt: skip


def service(name: str, namespace: str = "default") -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": name, "namespace": namespace, "uid": str(uuid.uuid4()), "resourceVersion": "1"},
        "spec": {"clusterIP": "10.0.0.1", "ports": [{"port": 80}]},
    }


def namespace(name: str) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name, "uid": str(uuid.uuid4())},
            "spec": {"finalizers": ["kubernetes"]}, "status": {"phase": "Active"}}  # fmt: skip


def event_message(event: str, obj: dict[str, Any], cluster: str = CLUSTER) -> bytes:
    """An upstream broker.Message on meshery.meshsync.core (capitalised keys, no JSON tags)."""
    return json.dumps({"ObjectType": "meshsync-data", "EventType": event, "Request": None,
                       "Object": object_to_wire(obj, cluster)}).encode()  # fmt: skip


def store_message(objs: list[dict[str, Any]], cluster: str = CLUSTER) -> bytes:
    """A store reply: Object is an array of KubernetesResource, EventType empty."""
    return json.dumps({"ObjectType": "", "EventType": "", "Request": None,
                       "Object": [object_to_wire(o, cluster) for o in objs]}).encode()  # fmt: skip
