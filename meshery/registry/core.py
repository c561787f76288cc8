"""The built-in ``meshery-core`` model: one component per connection kind of this server's spec.

The Meshery UI reads ``/api/meshmodels/components/<Kind>Connection`` on every page for the
connection kinds (Kubernetes, Meshery, Prometheus, Grafana, GitHub) and uses the answer's
``components[0].model``. Those components are built here, at import time, from the schemas of
``spec/openapi/connections.yaml`` marked ``x-meshery-core-component`` (read from the bundled spec):
the component's kind is the schema's name and its JSON schema is the schema itself, with local
references inlined. No schema is written twice.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from generated import errors
from meshery import apispec
from meshery.registry.parse import Parsed

GENERATOR_VERSION = "1"
LOCATION = "static:meshery-core"
MODEL_NAME = "meshery-core"
API_VERSION = "core.meshery.io/v1alpha1"
MARKER = "x-meshery-core-component"
REF_PREFIX = "#/components/schemas/"


def _inline(node: Any, schemas: dict[str, Any], seen: tuple[str, ...] = ()) -> Any:
    """``node`` with every local ``$ref`` replaced by the schema it names (extensions dropped)."""
    if isinstance(node, list):
        return [_inline(item, schemas, seen) for item in node]
    if not isinstance(node, dict):
        return node
    ref = node.get("$ref")
    if isinstance(ref, str) and ref.startswith(REF_PREFIX):
        name = ref[len(REF_PREFIX) :]
        if name in seen or name not in schemas:
            raise errors.ErrRegistryStaticModel(f"connection schema reference {ref} cannot be inlined")
        return _inline(schemas[name], schemas, (*seen, name))
    return {k: _inline(v, schemas, seen) for k, v in node.items() if not k.startswith("x-")}


def connection_schemas(doc: dict[str, Any] | None = None) -> dict[str, dict[str, Any]]:
    """The marked schemas of the spec by name."""
    schemas: dict[str, Any] = (doc or apispec.document()).get("components", {}).get("schemas", {})
    return {name: schema for name, schema in sorted(schemas.items()) if MARKER in schema}


def _content(doc: dict[str, Any]) -> tuple[str, dict[str, dict[str, Any]]]:
    return str(doc.get("info", {}).get("version", "")).lstrip("v") or "0.0.0", connection_schemas(doc)


def fingerprint(doc: dict[str, Any] | None = None) -> str:
    version, schemas = _content(doc or apispec.document())
    body = json.dumps([version, schemas, GENERATOR_VERSION], sort_keys=True).encode()
    return hashlib.sha256(body).hexdigest()


def _model(version: str) -> dict[str, Any]:
    return {
        "schemaVersion": "models.meshery.io/v1beta1",
        "version": "v1.0.0",
        "name": MODEL_NAME,
        "displayName": "Meshery Core",
        "description": "Built-in Meshery entities: the kinds of connection this server manages.",
        "status": "enabled",
        "registrant": {
            "name": "meshery",
            "type": "registry",
            "sub_type": "",
            "kind": "meshery",
            "status": "registered",
        },
        "category": {"name": "Orchestration & Management"},
        "subCategory": "App Definition and Development",
        "metadata": {
            "isAnnotation": False,
            "primaryColor": "#00B39F",
            "secondaryColor": "#00D3A9",
            "shape": "circle",
            "styleOverrides": "",
            "svgColor": "",
            "svgWhite": "",
            "svgComplete": "",
        },
        "model": {"version": version},
    }


def _component(kind: str, schema: dict[str, Any], schemas: dict[str, Any]) -> dict[str, Any]:
    marker = schema[MARKER]
    return {
        "schemaVersion": "components.meshery.io/v1beta1",
        "version": "v1.0.0",
        "displayName": schema.get("title", kind),
        "description": schema.get("description", ""),
        "format": "JSON",
        "styles": {"primaryColor": "#00B39F", "secondaryColor": "#00D3A9", "shape": "circle"},
        "capabilities": [],
        "status": "enabled",
        "metadata": {
            "isAnnotation": True,
            "isNamespaced": False,
            "published": False,
            "genealogy": "",
            "source_uri": f"spec/openapi/connections.yaml#/components/schemas/{kind}",
            "connection": {
                "kind": marker.get("connectionKind", ""),
                "type": marker.get("connectionType", ""),
                "subType": marker.get("connectionSubType", ""),
            },
        },
        "configuration": None,
        "component": {
            "version": API_VERSION,
            "kind": kind,
            "schema": json.dumps(_inline(schema, schemas), separators=(",", ":")),
        },
    }


def generate(doc: dict[str, Any] | None = None) -> Parsed:
    """The core model as a parsed package: the model and one component per connection schema."""
    doc = doc or apispec.document()
    version, marked = _content(doc)
    if not marked:
        raise errors.ErrRegistryStaticModel(f"no schema of the spec is marked {MARKER}")
    schemas = doc.get("components", {}).get("schemas", {})
    parsed = Parsed(content_hash=fingerprint(doc))
    parsed.add(LOCATION, _model(version), "model")
    for kind, schema in marked.items():
        parsed.add(f"{LOCATION}/{kind}", _component(kind, schema, schemas), "component")
    return parsed
