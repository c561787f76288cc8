"""The static Kubernetes model, generated from Kubernetes' own published JSON schemas.

The schemas come from the ``kubernetes-validate`` package, which ships the
upstream OpenAPI-derived JSON schemas per Kubernetes version. Every built-in
kind (one component per group/version/kind, list types left out) carries a
self-contained JSON schema: the kind's definition plus the definitions it
references, under ``$defs``. The package's fingerprint is the schema set's
version and this generator's, so the model is rebuilt only when either changes.
"""

from __future__ import annotations

import hashlib
import json
from importlib import resources
from typing import Any

from generated import errors
from meshery.registry.parse import Parsed

GENERATOR_VERSION = "1"
LOCATION = "static:kubernetes"
MODEL_NAME = "kubernetes"
SCHEMA_PACKAGE = "kubernetes_validate"
REF_PREFIX = "#/$defs/"
# Kinds that are not namespaced (the schemas do not say; this is the API's scope).
CLUSTER_SCOPED = frozenset(
    {
        "APIService",
        "CertificateSigningRequest",
        "ClusterRole",
        "ClusterRoleBinding",
        "ClusterTrustBundle",
        "ComponentStatus",
        "CSIDriver",
        "CSINode",
        "CustomResourceDefinition",
        "DeviceClass",
        "FlowSchema",
        "IngressClass",
        "IPAddress",
        "MutatingAdmissionPolicy",
        "MutatingAdmissionPolicyBinding",
        "MutatingWebhookConfiguration",
        "Namespace",
        "Node",
        "PersistentVolume",
        "PriorityClass",
        "PriorityLevelConfiguration",
        "ResourceSlice",
        "RuntimeClass",
        "SelfSubjectAccessReview",
        "SelfSubjectReview",
        "SelfSubjectRulesReview",
        "ServiceCIDR",
        "StorageClass",
        "StorageVersion",
        "StorageVersionMigration",
        "SubjectAccessReview",
        "TokenReview",
        "ValidatingAdmissionPolicy",
        "ValidatingAdmissionPolicyBinding",
        "ValidatingWebhookConfiguration",
        "VolumeAttachment",
        "VolumeAttributesClass",
    }
)
PARENTS = frozenset({"Namespace"})
CAPABILITIES = [
    {
        "schemaVersion": "capability.meshery.io/v1alpha1",
        "version": "0.7.0",
        "displayName": "Workload Configuration",
        "description": "Configure the workload specific setting of a component",
        "kind": "mutate",
        "type": "component",
        "subType": "configuration",
        "key": "",
        "entityState": ["declaration"],
        "status": "enabled",
        "metadata": None,
    },
    {
        "schemaVersion": "capability.meshery.io/v1alpha1",
        "version": "0.7.0",
        "displayName": "Labels and Annotations",
        "description": "Configure Labels And Annotations for the component",
        "kind": "mutate",
        "type": "component",
        "subType": "labels-and-annotations",
        "key": "",
        "entityState": ["declaration"],
        "status": "enabled",
        "metadata": None,
    },
]


def _schema_dir() -> tuple[str, Any]:
    root = resources.files(SCHEMA_PACKAGE).joinpath("kubernetes-json-schema")
    versions = [p.name for p in root.iterdir() if p.name.endswith("-local")]
    if not versions:
        raise errors.ErrRegistryStaticModel("no schema versions found")
    latest = max(versions, key=lambda n: tuple(int(x) for x in n[1:].split("-")[0].split(".")))
    return latest.split("-")[0], root.joinpath(latest)


def fingerprint() -> str:
    try:
        from kubernetes_validate.version import __version__ as package_version

        k8s_version, _ = _schema_dir()
    except (ImportError, OSError) as exc:
        raise errors.ErrRegistryStaticModel(type(exc).__name__) from exc
    return hashlib.sha256(f"{package_version}/{k8s_version}/{GENERATOR_VERSION}".encode()).hexdigest()


def _closure(name: str, defs: dict[str, Any]) -> dict[str, Any]:
    """``name``'s definition with every definition it reaches, as one self-contained schema."""
    needed: dict[str, Any] = {}
    pending = [name]
    while pending:
        current = pending.pop()
        if current in needed or current not in defs:
            continue
        needed[current] = defs[current]
        stack: list[Any] = [defs[current]]
        while stack:
            node = stack.pop()
            if isinstance(node, dict):
                ref = node.get("$ref")
                if isinstance(ref, str) and ref.startswith(REF_PREFIX):
                    pending.append(ref[len(REF_PREFIX) :])
                stack.extend(node.values())
            elif isinstance(node, list):
                stack.extend(node)
    schema = dict(defs[name])
    schema.pop("x-kubernetes-group-version-kind", None)
    others = {k: v for k, v in needed.items() if k != name}
    if others:
        schema["$defs"] = others
    return schema


def _model(k8s_version: str) -> dict[str, Any]:
    return {
        "schemaVersion": "models.meshery.io/v1beta1",
        "version": "v1.0.0",
        "name": MODEL_NAME,
        "displayName": "Kubernetes",
        "description": "Built-in Kubernetes kinds, generated from Kubernetes' published JSON schemas.",
        "status": "enabled",
        "registrant": {"name": "Github", "type": "registry", "sub_type": "", "kind": "github", "status": "discovered"},
        "category": {"name": "Orchestration & Management"},
        "subCategory": "Scheduling & Orchestration",
        "metadata": {
            "isAnnotation": False,
            "primaryColor": "#326CE5",
            "secondaryColor": "#7aa1f0",
            "shape": "circle",
            "styleOverrides": "",
            "svgColor": "",
            "svgWhite": "",
            "svgComplete": "",
        },
        "model": {"version": k8s_version},
    }


def generate() -> Parsed:
    """The static Kubernetes model as a parsed package (one model, one component per kind)."""
    try:
        k8s_version, directory = _schema_dir()
        defs: dict[str, Any] = json.loads(directory.joinpath("_definitions.json").read_bytes())["$defs"]
    except (OSError, KeyError, ValueError) as exc:
        raise errors.ErrRegistryStaticModel(f"{type(exc).__name__}: {exc}") from exc
    parsed = Parsed(content_hash=fingerprint())
    parsed.add(LOCATION, _model(k8s_version), "model")
    seen: set[tuple[str, str]] = set()
    for name in sorted(defs):
        definition = defs[name]
        if name.startswith("io.k8s.apimachinery.") or not isinstance(definition, dict):
            continue
        for gvk in definition.get("x-kubernetes-group-version-kind", []):
            kind, group, version = gvk.get("kind", ""), gvk.get("group", ""), gvk.get("version", "")
            api_version = f"{group}/{version}" if group else version
            if not kind or kind.endswith("List") or (api_version, kind) in seen:
                continue
            seen.add((api_version, kind))
            parsed.add(
                f"{LOCATION}/{api_version}/{kind}", _component(definition, name, defs, kind, api_version), "component"
            )
    return parsed


def _component(
    definition: dict[str, Any], name: str, defs: dict[str, Any], kind: str, api_version: str
) -> dict[str, Any]:
    return {
        "schemaVersion": "components.meshery.io/v1beta1",
        "version": "v1.0.0",
        "displayName": kind,
        "description": definition.get("description", "")[:5000],
        "format": "JSON",
        "styles": {"primaryColor": "#326CE5", "secondaryColor": "#7aa1f0", "shape": "circle"},
        "capabilities": CAPABILITIES,
        "status": "enabled",
        "metadata": {
            "configurationUISchema": "",
            "genealogy": "parent" if kind in PARENTS else "",
            "instanceDetails": None,
            "isAnnotation": False,
            "isNamespaced": kind not in CLUSTER_SCOPED,
            "published": False,
            "source_uri": f"kubernetes-json-schema:{name}",
        },
        "configuration": None,
        "component": {
            "version": api_version,
            "kind": kind,
            "schema": json.dumps(_closure(name, defs), separators=(",", ":")),
        },
    }
