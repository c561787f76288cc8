"""Validate component configurations (alone or in a design) against their registered JSON schemas.

Each finding names the component and the JSON pointer of the offending field.
Compiled validators are cached per schema text, since a design repeats kinds
and Kubernetes schemas are large.
"""

from __future__ import annotations

import functools
from typing import Any

import orjson
from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError

from generated import errors
from meshery.registry import codec
from meshery.store import Store
from meshery.store import registry_queries as rq

MAX_ERRORS_PER_COMPONENT = 50


@functools.lru_cache(maxsize=128)
def _validator(schema_text: str) -> Draft202012Validator | None:
    try:
        schema = orjson.loads(orjson.loads(schema_text) or "{}")
        Draft202012Validator.check_schema(schema)
    except (orjson.JSONDecodeError, TypeError, SchemaError):
        return None
    return Draft202012Validator(schema)


def pointer(path: Any) -> str:
    return "/" + "/".join(str(p).replace("~", "~0").replace("/", "~1") for p in path) if path else ""


def _fields(item: dict[str, Any]) -> tuple[str, str, str | None]:
    comp: dict[str, Any] = item["component"] if isinstance(item.get("component"), dict) else {}
    model: dict[str, Any] = item["model"] if isinstance(item.get("model"), dict) else {}
    kind = comp.get("kind") or item.get("kind") or ""
    api_version = comp.get("version") or item.get("apiVersion") or ""
    return str(kind), str(api_version), (str(model["name"]) if model.get("name") else None)


async def validate(store: Store, body: dict[str, Any]) -> dict[str, Any]:
    design = body.get("design") if isinstance(body.get("design"), dict) else None
    items = (design or {}).get("components") if design is not None else body.get("components")
    if not isinstance(items, list):
        raise errors.ErrRegistryRequestInvalid("send `design.components` or `components` (a list)")
    results: list[dict[str, Any]] = []
    schemas: dict[tuple[str, str, str | None], str | None] = {}
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            raise errors.ErrRegistryRequestInvalid(f"component {index} is not an object")
        kind, api_version, model = _fields(item)
        if not kind:
            raise errors.ErrRegistryRequestInvalid(f"component {index} has no component.kind")
        key = (kind, api_version, model)
        if key not in schemas:
            data = await rq.component_data(store, kind=kind, api_version=api_version or None, model=model)
            schemas[key] = None if data is None else codec.unpack(data)[1].decode()
        schema_text = schemas[key]
        validator = _validator(schema_text) if schema_text else None
        configuration = item.get("configuration") or {}
        found: list[dict[str, str]] = []
        if validator is not None:
            for err in validator.iter_errors(configuration):
                found.append({"path": pointer(err.absolute_path), "message": err.message[:500]})
                if len(found) >= MAX_ERRORS_PER_COMPONENT:
                    break
        results.append(
            {
                "id": str(item.get("id") or index),
                "name": str(item.get("displayName") or kind),
                "kind": kind,
                "apiVersion": api_version,
                "valid": not found,
                "schemaFound": validator is not None,
                "errors": found,
            }
        )
    return {"valid": all(r["valid"] for r in results), "components": results}
