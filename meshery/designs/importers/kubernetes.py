"""Kubernetes objects (from manifests, rendered charts or converted compose files) as design components.

A document may be one object, a ``List`` (``kind: List`` or any ``*List`` with ``items``),
or, in JSON, an array of objects. Every object becomes one component: apiVersion and kind
go to ``component``, the rest of the object to ``configuration``.
"""

from __future__ import annotations

import uuid
from typing import Any

from generated import errors
from meshery.designs.document import COMPONENT_SCHEMA_VERSION, DEFAULT_COMPONENT_VERSION

MAX_OBJECTS = 20_000


def objects(docs: list[Any], *, where: str = "document") -> list[dict[str, Any]]:
    """The Kubernetes objects of loaded documents, lists flattened; a 4xx naming the first bad one."""
    out: list[dict[str, Any]] = []
    for index, doc in enumerate(docs):
        _collect(doc, f"{where} {index + 1}", out, depth=0)
    if len(out) > MAX_OBJECTS:
        raise errors.ErrDesignTooLarge(f"{len(out)} objects; the limit is {MAX_OBJECTS}")
    return out


def _collect(doc: Any, where: str, out: list[dict[str, Any]], *, depth: int) -> None:
    if isinstance(doc, list) and depth == 0:
        for index, item in enumerate(doc):
            _collect(item, f"{where}, item {index + 1}", out, depth=depth + 1)
        return
    if not isinstance(doc, dict):
        raise errors.ErrImportManifestInvalid(f"{where} is not a Kubernetes object (a mapping)")
    api_version, kind = doc.get("apiVersion"), doc.get("kind")
    if not isinstance(api_version, str) or not api_version or not isinstance(kind, str) or not kind:
        raise errors.ErrImportManifestInvalid(f"{where} has no apiVersion or kind")
    items = doc.get("items")
    if kind.endswith("List") and isinstance(items, list) and depth < 2:
        for index, item in enumerate(items):
            _collect(item, f"{where}, item {index + 1}", out, depth=depth + 1)
        return
    metadata = doc.get("metadata")
    if metadata is not None and not isinstance(metadata, dict):
        raise errors.ErrImportManifestInvalid(f"{where} ({kind}) has a metadata that is not a mapping")
    out.append(doc)


def component(obj: dict[str, Any]) -> dict[str, Any]:
    """The design component of one Kubernetes object (model left to registry binding)."""
    configuration = {k: v for k, v in obj.items() if k not in ("apiVersion", "kind")}
    metadata = configuration.get("metadata")
    name = metadata.get("name") if isinstance(metadata, dict) else None
    kind = str(obj["kind"])
    return {
        "id": str(uuid.uuid4()),
        "schemaVersion": COMPONENT_SCHEMA_VERSION,
        "version": DEFAULT_COMPONENT_VERSION,
        "displayName": name if isinstance(name, str) and name else kind.lower(),
        "component": {"kind": kind, "version": str(obj["apiVersion"]), "schema": ""},
        "model": {"name": "kubernetes"},
        "configuration": configuration,
        "metadata": {},
    }
