"""Conversions: Kubernetes object or upstream wire ``KubernetesResource`` -> rows -> wire JSON.

Upstream ids: ``base64(StdEncoding, "<cluster_id>.<kind>.<apiVersion>.<namespace>.<name>")`` on
the resource and on its meta, spec, status and key/values. ``spec`` and ``status`` are stored as
their raw JSON text; ConfigMap/Secret payload fields too.
"""

from __future__ import annotations

import base64
import itertools
import json
import uuid
from typing import Any

from meshery.store.meshsync import Rows, StoredResource

_PAYLOAD_FIELDS = (
    ("immutable", "immutable"),
    ("data", "data"),
    ("binaryData", "binary_data"),
    ("stringData", "string_data"),
    ("type", "type"),
)
_BUILTIN_GROUPS = {
    "",
    "apps",
    "batch",
    "autoscaling",
    "policy",
    "networking.k8s.io",
    "rbac.authorization.k8s.io",
    "storage.k8s.io",
    "discovery.k8s.io",
    "apiextensions.k8s.io",
    "coordination.k8s.io",
    "events.k8s.io",
    "scheduling.k8s.io",
    "node.k8s.io",
    "certificates.k8s.io",
    "admissionregistration.k8s.io",
    "apiregistration.k8s.io",
    "flowcontrol.apiserver.k8s.io",
    "resource.k8s.io",
}
_compact = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode
# Unique ids of label/annotation rows: a random per-process UUID4 prefix and a counter in the
# last group (still UUID-shaped and unique), about ten times cheaper than uuid4() per row.
_UNIQUE_PREFIX = str(uuid.uuid4())[:24]
_unique_counter = itertools.count()


def _unique_id() -> str:
    return f"{_UNIQUE_PREFIX}{next(_unique_counter) & 0xFFFFFFFFFFFF:012x}"


def resource_id(cluster_id: str, kind: str, api_version: str, namespace: str, name: str) -> str:
    return base64.b64encode(f"{cluster_id}.{kind}.{api_version}.{namespace}.{name}".encode()).decode()


def model_name(api_version: str) -> str:
    """The registry model an apiVersion belongs to ("kubernetes" for built-in groups)."""
    group = api_version.rpartition("/")[0]
    return "kubernetes" if group in _BUILTIN_GROUPS else ""


def _raw(value: Any) -> str:
    return value if isinstance(value, str) else _compact(value)


def _service_metadata(obj: dict[str, Any]) -> str | None:
    """MeshSync's enrichment of Services: connection capability with the service's URLs."""
    spec = obj.get("spec") or {}
    host = spec.get("clusterIP") or ""
    urls = [f"{host}:{p.get('port')}" for p in spec.get("ports") or [] if host and host != "None"]
    return _compact({"capabilities": {"connection": True, "urls": urls}})


def add_object(rows: Rows, obj: dict[str, Any], cluster_id: str) -> str:
    """Append the rows of one Kubernetes object (as the API returns it); returns its id."""
    meta = obj.get("metadata") or {}
    api_version, kind = obj.get("apiVersion", ""), obj.get("kind", "")
    namespace, name = meta.get("namespace") or "", meta.get("name") or ""
    rid = resource_id(cluster_id, kind, api_version, namespace, name)
    resource: dict[str, Any] = {
        "id": rid,
        "api_version": api_version,
        "kind": kind,
        "model": model_name(api_version),
        "cluster_id": cluster_id,
        "pattern_resource": None,
        "component_metadata": _service_metadata(obj) if kind == "Service" else None,
    }
    for wire, column in _PAYLOAD_FIELDS:
        value = obj.get(wire)
        resource[column] = None if value is None else _raw(value)
    rows.resources.append(resource)
    rows.metas.append(
        {
            "id": rid,
            "name": name,
            "generate_name": meta.get("generateName"),
            "namespace": namespace,
            "self_link": meta.get("selfLink"),
            "uid": meta.get("uid") or "",
            "resource_version": meta.get("resourceVersion"),
            "generation": meta.get("generation"),
            "creation_timestamp": meta.get("creationTimestamp"),
            "deletion_timestamp": meta.get("deletionTimestamp"),
            "deletion_grace_period_seconds": meta.get("deletionGracePeriodSeconds"),
            "cluster_name": meta.get("clusterName"),
            "cluster_id": cluster_id,
        }
    )
    if "spec" in obj:
        rows.specs.append({"id": rid, "attribute": _raw(obj["spec"])})
    if "status" in obj:
        rows.statuses.append({"id": rid, "attribute": _raw(obj["status"])})
    for kind_name, mapping in (("label", meta.get("labels")), ("annotation", meta.get("annotations"))):
        for key, value in (mapping or {}).items():
            rows.key_values.append(
                {
                    "id": rid,
                    "unique_id": _unique_id(),
                    "kind": kind_name,
                    "key": key,
                    "value": value if isinstance(value, str) else _raw(value),
                }
            )
    return rid


def object_id(obj: dict[str, Any], cluster_id: str) -> str:
    meta = obj.get("metadata") or {}
    return resource_id(
        cluster_id, obj.get("kind", ""), obj.get("apiVersion", ""), meta.get("namespace") or "", meta.get("name") or ""
    )


def _kv_map(items: Any) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in items or []:
        if isinstance(item, dict) and isinstance(item.get("key"), str):
            out[item["key"]] = str(item.get("value", ""))
    return out


def _attribute(part: Any) -> Any:
    """The Python value of a wire ``{"attribute": "<raw JSON>"}``."""
    if not isinstance(part, dict) or not isinstance(part.get("attribute"), str) or not part["attribute"]:
        return None
    try:
        return json.loads(part["attribute"])
    except ValueError:
        return part["attribute"]


def wire_to_object(res: dict[str, Any]) -> tuple[dict[str, Any], str]:
    """An upstream ``KubernetesResource`` as a Kubernetes-shaped object, and its cluster id."""
    meta = res.get("metadata") or {}
    obj: dict[str, Any] = {
        "apiVersion": res.get("apiVersion", ""),
        "kind": res.get("kind", ""),
        "metadata": {
            key: meta[key]
            for key in (
                "name",
                "generateName",
                "namespace",
                "selfLink",
                "uid",
                "resourceVersion",
                "generation",
                "creationTimestamp",
                "deletionTimestamp",
                "deletionGracePeriodSeconds",
                "clusterName",
            )
            if meta.get(key) not in (None, "")
        },
    }
    labels, annotations = _kv_map(meta.get("labels")), _kv_map(meta.get("annotations"))
    if labels:
        obj["metadata"]["labels"] = labels
    if annotations:
        obj["metadata"]["annotations"] = annotations
    for key in ("spec", "status"):
        value = _attribute(res.get(key))
        if value is not None:
            obj[key] = value
    for wire, _column in _PAYLOAD_FIELDS:
        raw = res.get(wire)
        if isinstance(raw, str) and raw:
            try:
                obj[wire] = json.loads(raw)
            except ValueError:
                obj[wire] = raw
    return obj, str(res.get("cluster_id") or "")


def to_wire(item: StoredResource, *, with_spec: bool = True, with_status: bool = True) -> dict[str, Any]:
    """A stored resource in upstream's JSON shape (what the REST routes answer)."""
    r, m = item.resource, item.meta
    rid = r["id"]
    meta: dict[str, Any] = {
        "id": rid,
        "name": m["name"],
        "namespace": m["namespace"],
        "uid": m["uid"],
        "cluster_id": m.get("cluster_id") or "",
    }
    for column, wire in (
        ("generate_name", "generateName"),
        ("self_link", "selfLink"),
        ("resource_version", "resourceVersion"),
        ("generation", "generation"),
        ("creation_timestamp", "creationTimestamp"),
        ("deletion_timestamp", "deletionTimestamp"),
        ("deletion_grace_period_seconds", "deletionGracePeriodSeconds"),
        ("cluster_name", "clusterName"),
    ):
        if m.get(column) not in (None, ""):
            meta[wire] = m[column]
    if item.labels:
        meta["labels"] = item.labels
    if item.annotations:
        meta["annotations"] = item.annotations
    out: dict[str, Any] = {
        "id": rid,
        "apiVersion": r["api_version"],
        "kind": r["kind"],
        "model": r["model"] or "",
        "metadata": meta,
        "cluster_id": r["cluster_id"],
        "pattern_resource": r["pattern_resource"],
        "component_metadata": json.loads(r["component_metadata"]) if r["component_metadata"] else None,
    }
    if with_spec and item.spec is not None:
        out["spec"] = {"id": rid, "attribute": item.spec}
    if with_status and item.status is not None:
        out["status"] = {"id": rid, "attribute": item.status}
    for wire, column in _PAYLOAD_FIELDS:
        if r.get(column):
            out[wire] = r[column]
    return out


def object_to_wire(obj: dict[str, Any], cluster_id: str) -> dict[str, Any]:
    """A Kubernetes object as MeshSync would publish it (ids empty, as on the wire)."""
    meta = obj.get("metadata") or {}
    wire_meta: dict[str, Any] = {"id": "", "uid": meta.get("uid", "")}
    for key in (
        "name",
        "generateName",
        "namespace",
        "selfLink",
        "resourceVersion",
        "generation",
        "creationTimestamp",
        "deletionTimestamp",
        "deletionGracePeriodSeconds",
    ):
        if meta.get(key) not in (None, ""):
            wire_meta[key] = meta[key]
    for kind_name, key in (("label", "labels"), ("annotation", "annotations")):
        if meta.get(key):
            wire_meta[key] = [
                {"id": "", "unique_id": "", "kind": kind_name, "key": k, "value": v} for k, v in meta[key].items()
            ]
    out: dict[str, Any] = {
        "id": "",
        "apiVersion": obj.get("apiVersion", ""),
        "kind": obj.get("kind", ""),
        "model": "",
        "metadata": wire_meta,
        "cluster_id": cluster_id,
        "pattern_resource": None,
        "component_metadata": None,
    }
    for key in ("spec", "status"):
        if key in obj:
            out[key] = {"id": "", "attribute": _raw(obj[key])}
    for wire, _column in _PAYLOAD_FIELDS:
        if obj.get(wire) is not None:
            out[wire] = _raw(obj[wire])
    return out
