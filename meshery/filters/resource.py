"""A filter as a component (upstream's ``filter_resource``): the ``WASMFilter`` of the core model.

Upstream stores, beside the module, the filter as a component definition JSON whose
configuration holds the filter's configuration YAML (``configuration.config``); the UI reads
it back from ``settings.config``, so both are written. The configuration is what a deploy
applies: Kubernetes objects (an Istio ``EnvoyFilter`` or ``WasmPlugin``) that load the module.
"""

from __future__ import annotations

import json
import secrets
import string
import uuid
from typing import Any

KIND = "WASMFilter"
VERSION = "v1.0.0"
MODEL = "meshery-core"
SCHEMA_VERSION = "components.meshery.io/v1beta1"


def suffix() -> str:
    """Five random lower-case letters (upstream names unnamed filters and components with them)."""
    return "".join(secrets.choice(string.ascii_lowercase) for _ in range(5))


def build(config: str) -> str:
    """The ``filter_resource`` text of a filter with this configuration."""
    component = {
        "id": str(uuid.uuid4()),
        "schemaVersion": SCHEMA_VERSION,
        "version": VERSION,
        "displayName": f"{KIND.lower()}{suffix()}",
        "component": {"kind": KIND, "version": VERSION, "schema": ""},
        "model": {"name": MODEL, "model": {"version": VERSION}},
        "metadata": {"isAnnotation": True},
        "configuration": {"config": config},
        "settings": {"config": config},
    }
    return json.dumps(component, separators=(",", ":"))


def config_of(resource: str) -> str:
    """The configuration YAML kept in a ``filter_resource`` ("" when there is none)."""
    if not resource:
        return ""
    try:
        doc: Any = json.loads(resource)
    except ValueError:
        return ""
    if not isinstance(doc, dict):
        return ""
    for key in ("configuration", "settings"):
        part = doc.get(key)
        if isinstance(part, dict) and isinstance(part.get("config"), str):
            return str(part["config"])
    return ""
