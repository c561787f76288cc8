"""Structural validation of written objects, so malformed input gets 422 Invalid, not stored.

Only the shapes the emulator and its clients rely on are checked (types of metadata fields, of
``spec``/``status``/``data``, and of the workload, pod, service and CRD fields the controllers and
discovery read). Required fields are not enforced beyond ``metadata.name``: tests may create
minimal objects. Seeding (``KubeEmulator.seed``) is not validated.
"""

from __future__ import annotations

from typing import Any

from tests.kubeemu.resources import CRD_KEY, ResourceType

Schema = Any  # a type tag, a dict of field schemas (an object), or a one-item list (an array)

STR, INT, NONNEG, BOOL, OBJ, STRMAP = "string", "integer", "nonnegative", "boolean", "object", "map"

OWNER_REFERENCE = {
    "apiVersion": STR,
    "kind": STR,
    "name": STR,
    "uid": STR,
    "controller": BOOL,
    "blockOwnerDeletion": BOOL,
}
METADATA = {
    "name": STR,
    "generateName": STR,
    "namespace": STR,
    "uid": STR,
    "resourceVersion": STR,
    "generation": INT,
    "labels": STRMAP,
    "annotations": STRMAP,
    "ownerReferences": [OWNER_REFERENCE],
    "finalizers": [STR],
    "managedFields": [OBJ],
    "deletionGracePeriodSeconds": INT,
}
CONTAINER = {"name": STR, "image": STR, "ports": [{"containerPort": INT}], "env": [{"name": STR}]}
POD_SPEC = {"containers": [CONTAINER], "initContainers": [CONTAINER], "nodeName": STR, "restartPolicy": STR}
TEMPLATE = {"metadata": METADATA, "spec": POD_SPEC}
WORKLOAD_SPEC = {"replicas": NONNEG, "selector": OBJ, "template": TEMPLATE}
JOB_SPEC = {"template": TEMPLATE}

BY_KIND: dict[tuple[str, str], dict[str, Schema]] = {
    ("", "configmaps"): {"data": STRMAP, "binaryData": STRMAP, "immutable": BOOL},
    ("", "secrets"): {"data": STRMAP, "stringData": STRMAP, "type": STR, "immutable": BOOL},
    ("", "pods"): {"spec": POD_SPEC},
    ("", "services"): {"spec": {"ports": [{"port": INT, "name": STR}], "selector": STRMAP, "type": STR}},
    ("apps", "deployments"): {"spec": WORKLOAD_SPEC},
    ("apps", "replicasets"): {"spec": WORKLOAD_SPEC},
    ("apps", "statefulsets"): {"spec": WORKLOAD_SPEC},
    ("apps", "daemonsets"): {"spec": WORKLOAD_SPEC},
    ("batch", "jobs"): {"spec": JOB_SPEC},
    ("batch", "cronjobs"): {"spec": {"schedule": STR, "jobTemplate": {"metadata": METADATA, "spec": JOB_SPEC}}},
    CRD_KEY: {
        "spec": {
            "group": STR,
            "scope": STR,
            "names": {"plural": STR, "singular": STR, "kind": STR, "shortNames": [STR], "categories": [STR]},
            "versions": [{"name": STR, "served": BOOL, "storage": BOOL, "subresources": OBJ}],
        }
    },
}


def _type_ok(tag: str, value: Any) -> bool:
    if tag == STR:
        return isinstance(value, str)
    if tag == INT:
        return isinstance(value, int) and not isinstance(value, bool)
    if tag == NONNEG:
        return isinstance(value, int) and not isinstance(value, bool) and value >= 0
    if tag == BOOL:
        return isinstance(value, bool)
    if tag == OBJ:
        return isinstance(value, dict)
    if tag == STRMAP:
        return isinstance(value, dict) and all(isinstance(v, str) for v in value.values())
    return True


_DESCRIBE = {
    STR: "a string",
    INT: "an integer",
    NONNEG: "an integer >= 0",
    BOOL: "a boolean",
    OBJ: "an object",
    STRMAP: "a map of strings",
}


def check(value: Any, schema: Schema, path: str, problems: list[tuple[str, str]]) -> None:
    if value is None:
        return
    if isinstance(schema, str):
        if not _type_ok(schema, value):
            problems.append((path, f"Invalid value: must be {_DESCRIBE[schema]}"))
        return
    if isinstance(schema, list):
        if not isinstance(value, list):
            problems.append((path, "Invalid value: must be an array"))
            return
        for n, item in enumerate(value):
            check(item, schema[0], f"{path}[{n}]", problems)
        return
    if not isinstance(value, dict):
        problems.append((path, "Invalid value: must be an object"))
        return
    for key, sub in schema.items():
        if key in value:
            check(value[key], sub, f"{path}.{key}" if path else key, problems)


def problems(rt: ResourceType, obj: dict[str, Any]) -> list[tuple[str, str]]:
    """Every structural problem of ``obj`` as (field path, message)."""
    found: list[tuple[str, str]] = []
    schema: dict[str, Schema] = {"metadata": METADATA, "spec": OBJ, "status": OBJ}
    extra = BY_KIND.get(rt.key, {})
    for key in set(schema) | set(extra):
        if key in obj:
            check(obj[key], extra.get(key, schema.get(key)), key, found)
    return found
