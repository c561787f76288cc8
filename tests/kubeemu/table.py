"""Server-side printing: ``meta.k8s.io/v1`` Table answers for kubectl's ``get`` (columns per kind).

kubectl asks for ``Accept: application/json;as=Table;v=v1;g=meta.k8s.io, ...`` and prints what the
server sends. Columns follow the real API server's for the common kinds; custom resources use
their CRD's ``additionalPrinterColumns`` (simple ``.a.b`` JSON paths); anything else gets Name and Age.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from tests.kubeemu.resources import ResourceType

Obj = dict[str, Any]
Column = tuple[str, str, Callable[[Obj], Any]]  # name, type, cell


def wants_table(accept: str) -> bool:
    return any("as=Table" in part and "g=meta.k8s.io" in part for part in accept.split(","))


def age(obj: Obj) -> str:
    stamp = (obj.get("metadata") or {}).get("creationTimestamp")
    if not stamp:
        return "<unknown>"
    try:
        created = datetime.strptime(str(stamp), "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    except ValueError:
        return "<unknown>"
    seconds = max(int((datetime.now(UTC) - created).total_seconds()), 0)
    if seconds < 120:
        return f"{seconds}s"
    if seconds < 7200:
        return f"{seconds // 60}m"
    if seconds < 172800:
        return f"{seconds // 3600}h"
    return f"{seconds // 86400}d"


def _get(obj: Any, *path: str, default: Any = None) -> Any:
    for key in path:
        if not isinstance(obj, dict):
            return default
        obj = obj.get(key)
    return default if obj is None else obj


def _pod_ready(pod: Obj) -> str:
    containers = _get(pod, "spec", "containers", default=[])
    ready = sum(1 for s in _get(pod, "status", "containerStatuses", default=[]) if s.get("ready"))
    return f"{ready}/{len(containers)}"


def _pod_status(pod: Obj) -> str:
    if _get(pod, "metadata", "deletionTimestamp"):
        return "Terminating"
    return str(_get(pod, "status", "reason") or _get(pod, "status", "phase") or "Pending")


def _restarts(pod: Obj) -> int:
    return sum(int(s.get("restartCount", 0)) for s in _get(pod, "status", "containerStatuses", default=[]))


def _ports(service: Obj) -> str:
    ports = _get(service, "spec", "ports", default=[])
    text = ",".join(
        f"{p.get('port')}{':' + str(p['nodePort']) if p.get('nodePort') else ''}/{p.get('protocol', 'TCP')}"
        for p in ports
    )
    return text or "<none>"


def _node_ready(node: Obj) -> str:
    ready = next((c for c in _get(node, "status", "conditions", default=[]) if c.get("type") == "Ready"), None)
    status = "Ready" if ready and ready.get("status") == "True" else "NotReady"
    return status + (",SchedulingDisabled" if _get(node, "spec", "unschedulable") else "")


def _roles(node: Obj) -> str:
    prefix = "node-role.kubernetes.io/"
    roles = sorted(k[len(prefix) :] for k in _get(node, "metadata", "labels", default={}) if k.startswith(prefix))
    return ",".join(roles) or "<none>"


def _ratio(obj: Obj, ready: str, total: tuple[str, ...]) -> str:
    return f"{_get(obj, 'status', ready, default=0)}/{_get(obj, *total, default=0)}"


NAME: Column = ("Name", "string", lambda o: o["metadata"]["name"])
AGE: Column = ("Age", "string", age)

COLUMNS: dict[tuple[str, str], list[Column]] = {
    ("", "pods"): [
        NAME,
        ("Ready", "string", _pod_ready),
        ("Status", "string", _pod_status),
        ("Restarts", "string", _restarts),
        AGE,
    ],
    ("", "services"): [
        NAME,
        ("Type", "string", lambda o: _get(o, "spec", "type", default="ClusterIP")),
        ("Cluster-IP", "string", lambda o: _get(o, "spec", "clusterIP", default="<none>")),
        ("External-IP", "string", lambda o: ",".join(_get(o, "spec", "externalIPs", default=[])) or "<none>"),
        ("Port(s)", "string", _ports),
        AGE,
    ],
    ("", "namespaces"): [NAME, ("Status", "string", lambda o: _get(o, "status", "phase", default="Active")), AGE],
    ("", "nodes"): [
        NAME,
        ("Status", "string", _node_ready),
        ("Roles", "string", _roles),
        AGE,
        ("Version", "string", lambda o: _get(o, "status", "nodeInfo", "kubeletVersion", default="")),
    ],
    ("", "configmaps"): [
        NAME,
        ("Data", "integer", lambda o: len(o.get("data") or {}) + len(o.get("binaryData") or {})),
        AGE,
    ],
    ("", "secrets"): [
        NAME,
        ("Type", "string", lambda o: o.get("type", "Opaque")),
        ("Data", "integer", lambda o: len(o.get("data") or {})),
        AGE,
    ],
    ("apps", "deployments"): [
        NAME,
        ("Ready", "string", lambda o: _ratio(o, "readyReplicas", ("spec", "replicas"))),
        ("Up-to-date", "integer", lambda o: _get(o, "status", "updatedReplicas", default=0)),
        ("Available", "integer", lambda o: _get(o, "status", "availableReplicas", default=0)),
        AGE,
    ],
    ("apps", "replicasets"): [
        NAME,
        ("Desired", "integer", lambda o: _get(o, "spec", "replicas", default=0)),
        ("Current", "integer", lambda o: _get(o, "status", "replicas", default=0)),
        ("Ready", "integer", lambda o: _get(o, "status", "readyReplicas", default=0)),
        AGE,
    ],
    ("apps", "statefulsets"): [
        NAME,
        ("Ready", "string", lambda o: _ratio(o, "readyReplicas", ("spec", "replicas"))),
        AGE,
    ],
    ("apps", "daemonsets"): [
        NAME,
        ("Desired", "integer", lambda o: _get(o, "status", "desiredNumberScheduled", default=0)),
        ("Current", "integer", lambda o: _get(o, "status", "currentNumberScheduled", default=0)),
        ("Ready", "integer", lambda o: _get(o, "status", "numberReady", default=0)),
        AGE,
    ],
}


def _printer_columns(crd: Obj | None, version: str) -> list[Column]:
    if crd is None:
        return []
    entry: Obj = next((v for v in _get(crd, "spec", "versions", default=[]) if v.get("name") == version), {})
    columns: list[Column] = []
    for column in entry.get("additionalPrinterColumns") or []:
        path = [p for p in str(column.get("jsonPath", "")).split(".") if p]
        if path == ["metadata", "creationTimestamp"]:
            columns.append((str(column.get("name", "Age")), "string", age))
        else:
            columns.append((str(column.get("name", "")), str(column.get("type", "string")), _path_cell(path)))
    return columns


def _path_cell(path: list[str]) -> Callable[[Obj], Any]:
    def cell(obj: Obj) -> Any:
        return _get(obj, *path, default="")

    return cell


def columns_for(rt: ResourceType, crd: Obj | None) -> list[Column]:
    if rt.key in COLUMNS:
        return COLUMNS[rt.key]
    custom = _printer_columns(crd, rt.version)
    return [NAME, *custom] if custom else [NAME, AGE]


def table(rt: ResourceType, objects: list[Obj], *, crd: Obj | None, metadata: Obj, include: str) -> Obj:
    """A Table of ``objects``; ``include`` is the ``includeObject`` parameter (None, Metadata, Object)."""
    columns = columns_for(rt, crd)
    rows = []
    for obj in objects:
        row: Obj = {"cells": [cell(obj) for _, _, cell in columns]}
        if include == "Object":
            row["object"] = obj
        elif include != "None":
            row["object"] = {
                "kind": "PartialObjectMetadata",
                "apiVersion": "meta.k8s.io/v1",
                "metadata": {k: v for k, v in obj["metadata"].items() if k != "managedFields"},
            }
        rows.append(row)
    return {
        "kind": "Table",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": metadata,
        "columnDefinitions": [
            {"name": name, "type": kind, "format": "name" if name == "Name" else "", "description": "", "priority": 0}
            for name, kind, _ in columns
        ],
        "rows": rows,
    }
