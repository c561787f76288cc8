"""The package's OpenAPI 3.0 schemas as JSON Schema: validating answers, building request bodies.

``validator`` turns ``nullable`` into a ``null`` type and checks formats (a ``uuid`` that is
not one is a difference). ``sample`` builds a body the package's schema accepts: a property's
``example``, ``default`` or first ``enum`` value, else a value of its type (``hints`` name the
values of fields that must point at something real, such as an id).
"""

from __future__ import annotations

import base64
import uuid
from collections.abc import Mapping
from typing import Any

from jsonschema import Draft7Validator, FormatChecker

_FORMATS = FormatChecker()


def to_json_schema(schema: Any) -> Any:
    """``schema`` with OpenAPI's ``nullable: true`` written as JSON Schema (``null`` allowed)."""
    if isinstance(schema, list):
        return [to_json_schema(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out = {k: to_json_schema(v) for k, v in schema.items() if not k.startswith("x-")}
    if out.pop("nullable", False):
        kind = out.get("type")
        if isinstance(kind, str):
            out["type"] = [kind, "null"]
        elif "enum" in out:
            out["enum"] = [*out["enum"], None]
        elif kind is None and not {"oneOf", "anyOf", "allOf"} & out.keys():
            pass
        else:
            out = {"anyOf": [out, {"type": "null"}]}
    return out


def validator(schema: dict[str, Any]) -> Draft7Validator:
    return Draft7Validator(to_json_schema(schema), format_checker=_FORMATS)


def problems(schema: dict[str, Any], value: Any) -> list[tuple[str, str, str]]:
    """Each way ``value`` misses ``schema``: (location, kind, message), indices written ``[]``."""
    found: list[tuple[str, str, str]] = []
    for error in validator(schema).iter_errors(value):
        where = _location(error.absolute_path)
        if error.validator == "required":
            missing = str(error.message).split("'")[1] if "'" in str(error.message) else "?"
            found.append((f"{where}.{missing}" if where else missing, "missing", "required field absent"))
        elif error.validator == "additionalProperties" and isinstance(error.instance, dict):
            known = set((error.schema or {}).get("properties") or {})
            for extra in sorted(set(error.instance) - known):
                at = f"{where}.{extra}" if where else extra
                if camel(extra) != extra and camel(extra) in error.instance:  # both spellings sent
                    found.append((f"{at} (twin)", "unexpected", f"snake_case twin of {camel(extra)}"))
                else:
                    found.append((at, "unexpected", "property the package does not declare"))
        elif error.validator in ("oneOf", "anyOf") and error.context:
            best = min(error.context, key=lambda e: len(list(e.absolute_path)))
            found.append((where or "(root)", str(error.validator), best.message[:160]))
        else:
            found.append((where or "(root)", str(error.validator), error.message[:160]))
    return found


def camel(name: str) -> str:
    """``organization_id`` -> ``organizationId``."""
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def _location(path: Any) -> str:
    parts: list[str] = []
    for part in path:
        if isinstance(part, int):
            parts.append("[]")
        else:
            parts.append(("." if parts else "") + str(part))
    return "".join(parts)


# A small Kubernetes manifest: the file of the package's design-import body.
MANIFEST = b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: conformance\ndata:\n  a: b\n"


def sample(schema: Any, name: str = "", hints: Mapping[str, Any] | None = None, required: bool = True) -> Any:
    """A value ``schema`` accepts; ``hints`` give the value of a property by its name."""
    hints = hints or {}
    if name in hints:
        return hints[name]
    if not isinstance(schema, dict):
        return None
    for key in ("example", "default"):
        if key in schema:
            return schema[key]
    if "enum" in schema:
        return schema["enum"][0]
    if "examples" in schema and isinstance(schema["examples"], list) and schema["examples"]:
        return schema["examples"][0]
    for key in ("oneOf", "anyOf"):
        if key in schema:
            return sample(schema[key][0], name, hints, required)
    if "allOf" in schema:
        merged: dict[str, Any] = {}
        for part in schema["allOf"]:
            value = sample(part, name, hints, required)
            if isinstance(value, dict):
                merged.update(value)
        return merged
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "string")
    if kind == "object" or "properties" in schema:
        needed = set(schema.get("required", []))
        out: dict[str, Any] = {}
        for prop, sub in (schema.get("properties") or {}).items():
            if prop in needed or prop in hints or _simple(sub):
                value = sample(sub, prop, hints, prop in needed)
                if value is not None:
                    out[prop] = value
        return out
    if kind == "array":
        return [sample(schema.get("items", {}), name, hints)] if schema.get("minItems") or required else []
    if kind == "integer":
        return int(schema.get("minimum", 1))
    if kind == "number":
        return float(schema.get("minimum", 1))
    if kind == "boolean":
        return False
    if kind == "string" or kind is None:
        fmt = schema.get("format")
        if fmt == "uuid":
            return str(uuid.uuid4())
        if fmt == "date-time":
            return "2026-01-01T00:00:00Z"
        if fmt == "byte":
            return base64.b64encode(MANIFEST).decode()
        if fmt in ("uri", "url"):
            return "http://127.0.0.1:9/conformance"
        if fmt == "email":
            return "conformance@example.com"
        text = f"conformance-{name or 'value'}"
        return text[: int(schema.get("maxLength", len(text)))]
    return None


def _simple(schema: Any) -> bool:
    """Optional properties worth sending: plain strings (a description), not objects or ids."""
    return isinstance(schema, dict) and schema.get("type") == "string" and "format" not in schema
