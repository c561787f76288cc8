"""Discovery documents (aggregated v2/v2beta1 and legacy), ``/version`` and the OpenAPI documents.

Everything is computed from the live catalog on every request, so a new CRD shows up at once.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from tests.kubeemu.resources import Catalog, ResourceType, version_priority

AGGREGATED_V2 = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"
AGGREGATED_V2BETA1 = "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList"

SUBRESOURCE_VERBS = {
    "status": ["get", "patch", "update"],
    "scale": ["get", "patch", "update"],
    "log": ["get"],
    "exec": ["create", "get"],
    "token": ["create"],
}


def version_info(major: str, minor: str, patch: str) -> dict[str, str]:
    return {
        "major": major,
        "minor": minor,
        "emulationMajor": major,
        "emulationMinor": minor,
        "minCompatibilityMajor": major,
        "minCompatibilityMinor": str(max(int(minor) - 1, 0)) if minor.isdigit() else minor,
        "gitVersion": f"v{major}.{minor}.{patch}",
        "gitCommit": "0000000000000000000000000000000000000000",
        "gitTreeState": "clean",
        "buildDate": "2026-01-01T00:00:00Z",
        "goVersion": "go1.23.0",
        "compiler": "gc",
        "platform": "linux/amd64",
    }


def aggregated_version(accept: str) -> str | None:
    """The aggregated discovery version the Accept header asks for (first match wins), or None."""
    for raw in accept.split(","):
        part = raw.replace(" ", "")
        if "g=apidiscovery.k8s.io" in part and "as=APIGroupDiscoveryList" in part:
            if "v=v2beta1" in part:
                return "v2beta1"
            if "v=v2" in part:
                return "v2"
    return None


def _sorted_types(types: list[ResourceType]) -> list[ResourceType]:
    return sorted(types, key=lambda r: r.plural)


def aggregated(catalog: Catalog, *, legacy: bool, version: str) -> dict[str, Any]:
    """``APIGroupDiscoveryList`` for ``/api`` (legacy=True, the core group only) or ``/apis``."""
    items = []
    for group, versions in catalog.groups().items():
        if (group == "") != legacy:
            continue
        entries = []
        for v in versions:
            resources = []
            for rt in _sorted_types(catalog.in_group_version(group, v)):
                gvk = {"group": rt.group, "version": rt.version, "kind": rt.kind}
                entry: dict[str, Any] = {
                    "resource": rt.plural,
                    "responseKind": gvk,
                    "scope": "Namespaced" if rt.namespaced else "Cluster",
                    "singularResource": rt.singular_name,
                    "verbs": list(rt.verbs),
                }
                if rt.short_names:
                    entry["shortNames"] = list(rt.short_names)
                if rt.categories:
                    entry["categories"] = list(rt.categories)
                if rt.subresources:
                    entry["subresources"] = [
                        {
                            "subresource": sub,
                            "responseKind": gvk,
                            "verbs": SUBRESOURCE_VERBS.get(sub, ["get"]),
                        }
                        for sub in rt.subresources
                    ]
                resources.append(entry)
            entries.append({"version": v, "resources": resources, "freshness": "Current"})
        items.append({"metadata": {"name": group, "creationTimestamp": None}, "versions": entries})
    return {
        "kind": "APIGroupDiscoveryList",
        "apiVersion": f"apidiscovery.k8s.io/{version}",
        "metadata": {},
        "items": items,
    }


def api_versions(server_address: str) -> dict[str, Any]:
    return {
        "kind": "APIVersions",
        "versions": ["v1"],
        "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": server_address}],
    }


def api_group(group: str, versions: list[str]) -> dict[str, Any]:
    entries = [{"groupVersion": f"{group}/{v}", "version": v} for v in versions]
    return {"name": group, "versions": entries, "preferredVersion": entries[0]}


def api_group_list(catalog: Catalog) -> dict[str, Any]:
    groups = [api_group(g, vs) for g, vs in catalog.groups().items() if g]
    return {"kind": "APIGroupList", "apiVersion": "v1", "groups": groups}


def api_resource_list(catalog: Catalog, group: str, version: str) -> dict[str, Any] | None:
    types = catalog.in_group_version(group, version)
    if not types:
        return None
    resources: list[dict[str, Any]] = []
    for rt in _sorted_types(types):
        entry: dict[str, Any] = {
            "name": rt.plural,
            "singularName": rt.singular_name,
            "namespaced": rt.namespaced,
            "kind": rt.kind,
            "verbs": list(rt.verbs),
            "storageVersionHash": hashlib.sha256(f"{rt.group}/{rt.plural}".encode()).hexdigest()[:12],
        }
        if rt.short_names:
            entry["shortNames"] = list(rt.short_names)
        if rt.categories:
            entry["categories"] = list(rt.categories)
        resources.append(entry)
        for sub in rt.subresources:
            resources.append(
                {
                    "name": f"{rt.plural}/{sub}",
                    "singularName": "",
                    "namespaced": rt.namespaced,
                    "kind": rt.kind,
                    "verbs": SUBRESOURCE_VERBS.get(sub, ["get"]),
                }
            )
    gv = f"{group}/{version}" if group else version
    return {"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": gv, "resources": resources}


# --- OpenAPI ---------------------------------------------------------------------------------


def _gv_path(group: str, version: str) -> str:
    return f"apis/{group}/{version}" if group else f"api/{version}"


def openapi_hash(catalog: Catalog, group: str, version: str) -> str:
    names = sorted(f"{rt.plural}:{rt.kind}:{rt.namespaced}" for rt in catalog.in_group_version(group, version))
    return hashlib.sha512(json.dumps(names).encode()).hexdigest()[:64].upper()


def openapi_v3_root(catalog: Catalog) -> dict[str, Any]:
    paths: dict[str, Any] = {}
    for group, versions in sorted(catalog.groups().items()):
        for v in sorted(versions, key=version_priority):
            path = _gv_path(group, v)
            paths[path] = {"serverRelativeURL": f"/openapi/v3/{path}?hash={openapi_hash(catalog, group, v)}"}
    return {"paths": paths}


_QUERY_PARAMS = [
    {"name": "dryRun", "in": "query", "schema": {"type": "string", "uniqueItems": True}},
    {"name": "fieldManager", "in": "query", "schema": {"type": "string", "uniqueItems": True}},
    {"name": "fieldValidation", "in": "query", "schema": {"type": "string", "uniqueItems": True}},
]


def _operation(rt: ResourceType, action: str, with_force: bool = False) -> dict[str, Any]:
    params = list(_QUERY_PARAMS)
    if with_force:
        params.append({"name": "force", "in": "query", "schema": {"type": "boolean", "uniqueItems": True}})
    return {
        "tags": [rt.group or "core"],
        "operationId": f"{action}{rt.kind}",
        "parameters": params,
        "responses": {"200": {"description": "OK"}},
        "x-kubernetes-action": action,
        "x-kubernetes-group-version-kind": {"group": rt.group, "version": rt.version, "kind": rt.kind},
    }


def openapi_v3_document(catalog: Catalog, group: str, version: str) -> dict[str, Any] | None:
    types = catalog.in_group_version(group, version)
    if not types:
        return None
    paths: dict[str, Any] = {}
    schemas: dict[str, Any] = {}
    for rt in _sorted_types(types):
        base = f"/{_gv_path(group, version)}"
        one = (
            f"{base}/namespaces/{{namespace}}/{rt.plural}/{{name}}" if rt.namespaced else f"{base}/{rt.plural}/{{name}}"
        )
        many = f"{base}/namespaces/{{namespace}}/{rt.plural}" if rt.namespaced else f"{base}/{rt.plural}"
        paths[one] = {
            "get": _operation(rt, "get"),
            "put": _operation(rt, "put"),
            "patch": _operation(rt, "patch", with_force=True),
            "delete": _operation(rt, "delete"),
        }
        paths[many] = {"get": _operation(rt, "list"), "post": _operation(rt, "post")}
        schema_name = ".".join(filter(None, ["io.kubeemu", rt.group or "core", rt.version, rt.kind]))
        schemas[schema_name] = {
            "type": "object",
            "x-kubernetes-group-version-kind": [{"group": rt.group, "version": rt.version, "kind": rt.kind}],
            "x-kubernetes-preserve-unknown-fields": True,
        }
    return {
        "openapi": "3.0.0",
        "info": {"title": "Kubernetes", "version": "kubeemu"},
        "paths": paths,
        "components": {"schemas": schemas},
    }


def openapi_v2(catalog: Catalog) -> dict[str, Any]:
    """A minimal Swagger 2.0 document (JSON only; kubectl's protobuf request gets a 404)."""
    paths: dict[str, Any] = {}
    for group, versions in catalog.groups().items():
        for v in versions:
            doc = openapi_v3_document(catalog, group, v) or {"paths": {}}
            paths.update(doc["paths"])
    return {"swagger": "2.0", "info": {"title": "Kubernetes", "version": "kubeemu"}, "paths": paths, "definitions": {}}
