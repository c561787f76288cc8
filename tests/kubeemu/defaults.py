"""What the API server fills in on create: name checks and the few defaults clients rely on."""

from __future__ import annotations

import re
import threading

from tests.kubeemu import errors
from tests.kubeemu.events import Obj
from tests.kubeemu.resources import NAMESPACE_KEY, ResourceType

_NAME_RE = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
_LABEL_RE = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")


def validate_name(rt: ResourceType, name: str) -> None:
    if not name:
        raise errors.invalid(
            rt.group, rt.kind, name, [("metadata.name", "Required value: name or generateName is required")]
        )
    pattern = _LABEL_RE if rt.key == NAMESPACE_KEY else _NAME_RE
    if len(name) > 253 or not pattern.match(name):
        raise errors.invalid(
            rt.group,
            rt.kind,
            name,
            [
                (
                    "metadata.name",
                    f'Invalid value: "{name}": a lowercase RFC 1123 subdomain must consist of lower case '
                    "alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character",
                )
            ],
        )


_cluster_ip = [0]
_ip_lock = threading.Lock()
_SCALABLE = frozenset(
    {("apps", "deployments"), ("apps", "replicasets"), ("apps", "statefulsets"), ("", "replicationcontrollers")}
)


def apply_defaults(rt: ResourceType, obj: Obj) -> None:
    """The few defaults clients rely on (no controllers run here)."""
    if rt.key == NAMESPACE_KEY:
        obj.setdefault("spec", {"finalizers": ["kubernetes"]})
        obj.setdefault("status", {"phase": "Active"})
        labels = obj["metadata"].setdefault("labels", {})
        labels.setdefault("kubernetes.io/metadata.name", obj["metadata"]["name"])
    elif rt.key == ("", "pods"):
        obj.setdefault("status", {"phase": "Pending", "qosClass": "BestEffort"})
    elif rt.key == ("", "services"):
        spec = obj.setdefault("spec", {})
        spec.setdefault("type", "ClusterIP")
        if spec.get("clusterIP") != "None":
            with _ip_lock:
                _cluster_ip[0] += 1
                n = _cluster_ip[0]
            ip = f"10.96.{(n // 250) % 250}.{n % 250 + 2}"
            spec.setdefault("clusterIP", ip)
            spec.setdefault("clusterIPs", [spec["clusterIP"]])
        spec.setdefault("sessionAffinity", "None")
        obj.setdefault("status", {"loadBalancer": {}})
    elif rt.key in _SCALABLE:
        obj.setdefault("spec", {}).setdefault("replicas", 1)
    elif rt.key == ("", "secrets"):
        obj.setdefault("type", "Opaque")
