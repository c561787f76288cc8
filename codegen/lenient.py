"""The lenient reader's declaration (``x-lenient``): read from the spec root, copied onto each parameter.

Upstream's Go handlers read requests leniently and its clients rely on it (reference
``upstream-clients.md`` §1). The spec root declares the rule once::

    x-lenient:
      unknownParameters: ignore        # query parameters and form fields not declared
      jsonBody: [text/plain, none]     # read as JSON where the operation takes application/json
      paging:                          # values an x-paging parameter takes beyond its schema
        size: {all: all, '0': default, '': default}
        page: {'': default, undefined: default}
      arrays: json                     # array query parameters also take one JSON array

Bundling writes what applies to each parameter onto it (``x-lenient: {values: {...}}`` and/or
``{jsonArray: true}``) and says it in the parameter's description, so Swagger UI, the SDKs
(``Parameter.lenient``), the fuzz test and the request layer (``meshery.lenient``) all read the
same per-parameter declaration. A parameter may declare its own ``x-lenient`` (its values are
added to the rule's) or ``x-lenient: false`` to opt out.

Meanings of a value: ``default`` (as if the parameter were absent: its default applies) and
``all`` (every item: ``Paging.unbounded``; only on ``x-paging: size``).
"""

from __future__ import annotations

from typing import Any

from codegen.ir import HTTP_METHODS, CodegenError

KEY = "x-lenient"
MEANINGS = ("all", "default")
RULE_KEYS = frozenset({"unknownParameters", "jsonBody", "paging", "arrays"})
PAGING_FIELDS = ("page", "size", "search", "order", "sort")
JSON_BODY_CHOICES = ("text/plain", "none")
_SAID = {
    "default": "the default",
    "all": "every item",
}


def rule(doc: dict[str, Any]) -> dict[str, Any]:
    """The root rule, checked; ``{}`` when the spec declares none."""
    found = doc.get(KEY)
    if found is None:
        return {}
    if not isinstance(found, dict):
        raise CodegenError(f"root {KEY} must be a mapping, found {found!r}")
    extra = sorted(set(found) - RULE_KEYS)
    if extra:
        raise CodegenError(f"root {KEY}: unknown keys {extra} (known: {sorted(RULE_KEYS)})")
    if found.get("unknownParameters", "ignore") not in ("ignore", "reject"):
        raise CodegenError(f"root {KEY}.unknownParameters must be `ignore` or `reject`")
    for media in found.get("jsonBody", []):
        if media not in JSON_BODY_CHOICES:
            raise CodegenError(f"root {KEY}.jsonBody: {media!r} is not one of {list(JSON_BODY_CHOICES)}")
    if found.get("arrays", "json") not in ("json", "repeated"):
        raise CodegenError(f"root {KEY}.arrays must be `json` or `repeated`")
    for field, values in (found.get("paging") or {}).items():
        if field not in PAGING_FIELDS:
            raise CodegenError(f"root {KEY}.paging: {field!r} is not a paging field {list(PAGING_FIELDS)}")
        _check_values(values, f"root {KEY}.paging.{field}", field)
    return found


def _check_values(values: Any, where: str, paging: str | None) -> dict[str, str]:
    if not isinstance(values, dict):
        raise CodegenError(f"{where}: expected a mapping of value -> meaning, found {values!r}")
    for value, meaning in values.items():
        if meaning not in MEANINGS:
            raise CodegenError(f"{where}: {value!r} means {meaning!r}, not one of {list(MEANINGS)}")
        if meaning == "all" and paging != "size":
            raise CodegenError(f"{where}: only a page size (x-paging: size) can mean `all`")
    return {str(k): str(v) for k, v in values.items()}


def _is_array(doc: dict[str, Any], schema: dict[str, Any]) -> bool:
    while "$ref" in schema:
        target: Any = doc
        for part in schema["$ref"][2:].split("/"):
            target = target[part]
        schema = target
    return schema.get("type") == "array"


def declaration(doc: dict[str, Any], param: dict[str, Any], root: dict[str, Any], where: str) -> dict[str, Any]:
    """What the lenient reader accepts of ``param`` beyond its schema (``{}``: nothing)."""
    own = param.get(KEY)
    if own is False:
        return {}
    if own is not None and not isinstance(own, dict):
        raise CodegenError(f"{where}: parameter {param.get('name')!r}: {KEY} must be a mapping or false")
    if param.get("in") != "query":
        if own:
            raise CodegenError(f"{where}: parameter {param.get('name')!r}: {KEY} is for query parameters only")
        return {}
    own = own or {}
    paging = param.get("x-paging")
    values = dict((root.get("paging") or {}).get(paging, {})) if paging else {}
    values.update(_check_values(own.get("values", {}), f"{where}: parameter {param['name']!r}", paging))
    found: dict[str, Any] = {}
    if values:
        found["values"] = values
    array = own.get("jsonArray", root.get("arrays", "json") == "json" and bool(root))
    if array and _is_array(doc, param.get("schema", {})):
        found["jsonArray"] = True
    return found


def sentence(found: dict[str, Any]) -> str:
    """The description sentence of a declaration (what Swagger UI shows)."""
    parts = []
    by_meaning: dict[str, list[str]] = {}
    for value, meaning in found.get("values", {}).items():
        by_meaning.setdefault(meaning, []).append(f"`{value}`" if value else "empty")
    for meaning in MEANINGS:
        if meaning in by_meaning:
            parts.append(f"{' or '.join(by_meaning[meaning])} ({_SAID[meaning]})")
    if found.get("jsonArray"):
        parts.append('one JSON array (`["a","b"]`, as the repeated parameter)')
    return "Also accepted: " + "; ".join(parts) + "." if parts else ""


def expand(doc: dict[str, Any]) -> None:
    """Write each parameter's declaration onto it (components and inline), with its sentence."""
    root = rule(doc)
    params: list[tuple[dict[str, Any], str]] = [
        (p, f"components/parameters/{name}") for name, p in (doc.get("components", {}).get("parameters") or {}).items()
    ]
    for route, item in (doc.get("paths") or {}).items():
        for p in item.get("parameters", []):
            params.append((p, route))
        for method in HTTP_METHODS:
            op = item.get(method)
            if isinstance(op, dict):
                params += [(p, f"{method.upper()} {route}") for p in op.get("parameters", [])]
    seen: set[int] = set()
    for param, where in params:
        if "$ref" in param or id(param) in seen:
            continue
        seen.add(id(param))
        found = declaration(doc, param, root, where)
        if not found:
            param.pop(KEY, None)
            continue
        param[KEY] = found
        said = sentence(found)
        text = param.get("description", "").rstrip()
        if said not in text:
            param["description"] = f"{text} {said}".strip() if text else said
