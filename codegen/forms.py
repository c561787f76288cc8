"""Form schemas for the UI (``x-forms``) -> ``generated/form_schemas.py``.

An operation's ``x-forms`` maps a form name to the request schema it describes: ``request:``
an operationId (its JSON request body), or ``schema:`` a component schema. Each form becomes
``{"rjsfSchema": ..., "uiSchema": ...}``: the schema with every ``$ref`` resolved, cut to
``fields`` (in that order; ``from`` names the request property behind a field the form
spells otherwise, e.g. upstream's ``organization`` for ``organization_id``), spec-only keys
(``x-*``, ``readOnly`` fields, twin spellings) removed, a title on every field, plus
``enums``/``defaults`` the form offers; the UI schema
is ``ui:order`` and the per-field RJSF hints of ``ui``. Nothing is written when no operation
declares forms, so a spec without them generates what it did before.
"""

from __future__ import annotations

import copy
import pprint
import re
from typing import Any

from codegen.ir import CodegenError
from codegen.render import render

ENTRY_KEYS = {"title", "description", "request", "schema", "fields", "from", "titles", "enums", "defaults", "ui"}
METHODS = ("get", "put", "post", "delete", "options", "patch", "head", "trace")
_WORD = re.compile(r"[A-Z]?[a-z0-9]+|[A-Z]+(?![a-z])")


def humanize(name: str) -> str:
    """``pattern_caveats`` -> ``Pattern caveats``; ``designType`` -> ``Design type``."""
    words = [w.lower() for w in _WORD.findall(name)] or [name]
    return " ".join(words).capitalize()


def _operations(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for item in doc.get("paths", {}).values():
        for method in METHODS:
            op = item.get(method)
            if isinstance(op, dict) and "operationId" in op:
                found[op["operationId"]] = op
    return found


def _resolve(doc: dict[str, Any], node: Any, where: str, seen: tuple[str, ...] = ()) -> Any:
    """``node`` with every local ``$ref`` replaced by its target, without spec-only keys."""
    if isinstance(node, list):
        return [_resolve(doc, item, where, seen) for item in node]
    if not isinstance(node, dict):
        return node
    ref = node.get("$ref")
    if isinstance(ref, str):
        if ref in seen:
            raise CodegenError(f"{where}: $ref {ref} refers to itself; a form cannot be recursive")
        target: Any = doc
        for part in ref.removeprefix("#/").split("/"):
            target = target.get(part) if isinstance(target, dict) else None
        if not ref.startswith("#/") or not isinstance(target, dict):
            raise CodegenError(f"{where}: $ref {ref!r} points to nothing")
        return _resolve(doc, target, where, (*seen, ref))
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key.startswith("x-") or key in ("readOnly", "writeOnly", "nullable", "example", "externalDocs"):
            continue
        if key == "properties" and isinstance(value, dict):
            out[key] = {
                name: _resolve(doc, prop, f"{where}.{name}", seen)
                for name, prop in value.items()
                if not (isinstance(prop, dict) and (prop.get("x-twin-of") or prop.get("readOnly")))
            }
        else:
            out[key] = _resolve(doc, value, where, seen)
    return out


def _source(doc: dict[str, Any], name: str, entry: dict[str, Any], ops: dict[str, dict[str, Any]]) -> Any:
    where = f"x-forms.{name}"
    if ("request" in entry) == ("schema" in entry):
        raise CodegenError(f"{where}: give exactly one of `request` (an operationId) or `schema` (a component)")
    if "request" in entry:
        op = ops.get(str(entry["request"]))
        if op is None:
            raise CodegenError(f"{where}: request {entry['request']!r} is not an operationId of the spec")
        content = (op.get("requestBody") or {}).get("content") or {}
        if "application/json" not in content:
            raise CodegenError(f"{where}: operation {entry['request']} takes no JSON request body")
        return _resolve(doc, content["application/json"].get("schema", {}), where)
    schemas = doc.get("components", {}).get("schemas", {})
    if entry["schema"] not in schemas:
        raise CodegenError(f"{where}: schema {entry['schema']!r} is not in components/schemas")
    return _resolve(doc, schemas[entry["schema"]], where)


def build(doc: dict[str, Any], name: str, entry: dict[str, Any], ops: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """One form: ``{"rjsfSchema": ..., "uiSchema": ...}``."""
    where = f"x-forms.{name}"
    if not isinstance(entry, dict) or set(entry) - ENTRY_KEYS:
        raise CodegenError(f"{where}: an entry is a mapping of {sorted(ENTRY_KEYS)}")
    schema = _source(doc, name, entry, ops)
    props: dict[str, Any] = schema.get("properties") or {}
    fields = list(entry.get("fields") or props)
    source: dict[str, str] = {f: str((entry.get("from") or {}).get(f, f)) for f in fields}
    for extra in ("from", "titles", "enums", "defaults", "ui"):
        unknown = set(entry.get(extra) or {}) - set(fields)
        if unknown:
            raise CodegenError(f"{where}.{extra}: {sorted(unknown)} are not fields of the form")
    missing = [source[f] for f in fields if source[f] not in props]
    if missing:
        raise CodegenError(f"{where}: fields {missing} are not properties of its request schema")
    properties: dict[str, Any] = {}
    for field in fields:
        prop = copy.deepcopy(props[source[field]])
        prop["title"] = (entry.get("titles") or {}).get(field) or prop.get("title") or humanize(field)
        if field in (entry.get("enums") or {}):
            prop["enum"] = list(entry["enums"][field])
        if field in (entry.get("defaults") or {}):
            prop["default"] = entry["defaults"][field]
        properties[field] = prop
    rjsf: dict[str, Any] = {"title": entry.get("title") or humanize(name), "type": "object", "properties": properties}
    required = [f for f in fields if source[f] in (schema.get("required") or [])]
    if required:
        rjsf["required"] = required
    if entry.get("description"):
        rjsf["description"] = str(entry["description"])
    ui: dict[str, Any] = {"ui:order": fields}
    for field, hints in (entry.get("ui") or {}).items():
        if not isinstance(hints, dict) or any(not str(k).startswith("ui:") for k in hints):
            raise CodegenError(f"{where}.ui.{field}: hints are RJSF keys starting with `ui:`")
        ui[field] = dict(hints)
    return {"rjsfSchema": rjsf, "uiSchema": ui}


def collect(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Every form declared by any operation, by name (a name declared twice is an error)."""
    ops = _operations(doc)
    forms: dict[str, dict[str, Any]] = {}
    for op_id, op in sorted(ops.items()):
        declared = op.get("x-forms")
        if declared is None:
            continue
        if not isinstance(declared, dict):
            raise CodegenError(f"{op_id}: x-forms must map form names to entries")
        for name, entry in declared.items():
            if name in forms:
                raise CodegenError(f"{op_id}: form {name!r} is declared twice")
            forms[name] = build(doc, name, entry, ops)
    return forms


def emit(doc: dict[str, Any], spec_header: str) -> str | None:
    """The text of ``generated/form_schemas.py``, or None when the spec declares no forms."""
    forms = collect(doc)
    if not forms:
        return None
    literal = pprint.pformat(forms, indent=1, width=110, sort_dicts=False)
    return render("form_schemas.py.jinja", header=spec_header, forms=literal)
