"""Load the split OpenAPI sources, bundle them into one document, build the IR.

``spec/openapi/openapi.yaml`` is the root (info, servers, shared components);
every other ``*.yaml`` beside it is one API area contributing ``tags``,
``paths`` and ``components``. All ``$ref``s point into ``#/components``, so
bundling is a checked merge: a name defined twice is an error, not an
override.

Two extensions are read here. ``x-alias-of: <operationId>`` on an operation
makes it a twin of another: the source declares only its ``operationId`` (and
optionally ``summary``/``description``), bundling copies the rest from the
target, and the twin is served by the target's handler. ``x-paging: <field>``
on a parameter says which field of the one paging type it fills;
``x-group: <Group>.<field>`` on a query parameter says which field of the
parameter group ``<Group>`` (one frozen dataclass, one handler argument) it fills.
The root's ``x-lenient`` (how requests are read) is copied onto each parameter it
covers (``codegen.lenient``).
"""

from __future__ import annotations

import copy
import keyword
import re
from pathlib import Path
from typing import Any

import yaml
from openapi_spec_validator import validate
from openapi_spec_validator.validation.exceptions import OpenAPIValidationError
from referencing.exceptions import PointerToNowhere, Unresolvable

from codegen import answers, lenient
from codegen.ir import (
    HTTP_METHODS,
    ApiModel,
    CodegenError,
    Operation,
    Parameter,
    RequestBody,
    Response,
    Tag,
    module_name,
    snake_case,
)

ROOT_FILE = "openapi.yaml"
AREA_KEYS = {"tags", "paths", "components"}
UNAUTHENTICATED_KEY = "x-unauthenticated"
UNAUTHENTICATED_CHOICES = ("error", "redirect")
ALIAS_KEY = "x-alias-of"
# What an alias operation may declare itself; everything else comes from its target.
ALIAS_OWN_KEYS = frozenset({"operationId", "summary", "description", ALIAS_KEY, "x-source"})
PAGING_KEY = "x-paging"
PAGING_FIELDS = ("page", "size", "search", "order", "sort")
GROUP_KEY = "x-group"
_GROUP = re.compile(r"^([A-Z][A-Za-z0-9]*)\.([a-z][a-z0-9_]*)$")
_TEMPLATE = re.compile(r"{([^}]+)}")


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise CodegenError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise CodegenError(f"{path}: expected a mapping at the top level")
    return data


def bundle(spec_dir: Path) -> tuple[dict[str, Any], dict[str, str]]:
    """Merge the root and area files; returns the document and {path: text}."""
    root_path = spec_dir / ROOT_FILE
    if not root_path.is_file():
        raise CodegenError(f"{root_path}: the OpenAPI root file is missing")
    sources = {str(root_path): root_path.read_text(encoding="utf-8")}
    doc = copy.deepcopy(_read_yaml(root_path))
    doc.setdefault("paths", {})
    doc.setdefault("tags", [])
    components = doc.setdefault("components", {})
    origin: dict[tuple[str, ...], str] = {}
    for key in doc["paths"]:
        origin[("paths", key)] = ROOT_FILE
    for section, items in components.items():
        for name in items:
            origin[("components", section, name)] = ROOT_FILE

    for area_path in sorted(spec_dir.glob("*.yaml")):
        if area_path.name == ROOT_FILE:
            continue
        sources[str(area_path)] = area_path.read_text(encoding="utf-8")
        area = _read_yaml(area_path)
        unknown = set(area) - AREA_KEYS
        if unknown:
            raise CodegenError(
                f"{area_path}: only {sorted(AREA_KEYS)} may appear in an area file, "
                f"found {sorted(unknown)}"
            )
        for tag in area.get("tags", []):
            if any(t.get("name") == tag.get("name") for t in doc["tags"]):
                raise CodegenError(f"{area_path}: tag {tag.get('name')!r} is declared twice")
            doc["tags"].append(tag)
        for route, item in (area.get("paths") or {}).items():
            if route in doc["paths"]:
                raise CodegenError(
                    f"{area_path}: path {route} is already declared in "
                    f"{origin[('paths', route)]}"
                )
            origin[("paths", route)] = area_path.name
            doc["paths"][route] = item
        for section, items in (area.get("components") or {}).items():
            target = components.setdefault(section, {})
            for name, value in items.items():
                key = ("components", section, name)
                if key in origin:
                    raise CodegenError(
                        f"{area_path}: components/{section}/{name} is already "
                        f"declared in {origin[key]}"
                    )
                origin[key] = area_path.name
                target[name] = value
        for route in (area.get("paths") or {}):
            doc["paths"][route] = _tag_source(doc["paths"][route], area_path.name)
    expand_aliases(doc)
    lenient.expand(doc)
    return answers.expand_also_as(doc), sources


def expand_aliases(doc: dict[str, Any]) -> None:
    """Replace each ``x-alias-of`` operation by a copy of its target (own id, same handler)."""
    paths: dict[str, Any] = doc.get("paths") or {}
    by_id: dict[str, tuple[str, dict[str, Any], dict[str, Any]]] = {}
    for route, item in paths.items():
        for method in HTTP_METHODS:
            op = item.get(method) if isinstance(item, dict) else None
            if isinstance(op, dict) and "operationId" in op:
                by_id[op["operationId"]] = (route, item, op)
    for route, item in paths.items():
        for method in HTTP_METHODS:
            op = item.get(method) if isinstance(item, dict) else None
            if not isinstance(op, dict) or ALIAS_KEY not in op:
                continue
            where = f"{method.upper()} {route} ({op.get('x-source', ROOT_FILE)})"
            target_id = op[ALIAS_KEY]
            extra = sorted(set(op) - ALIAS_OWN_KEYS)
            if extra:
                raise CodegenError(
                    f"{where}: an {ALIAS_KEY} operation declares only {sorted(ALIAS_OWN_KEYS - {'x-source'})}; "
                    f"the rest comes from {target_id}, found {extra}"
                )
            if "operationId" not in op:
                raise CodegenError(f"{where}: operationId is missing")
            if "parameters" in item:
                raise CodegenError(f"{where}: a path with {ALIAS_KEY} operations takes its parameters from the target")
            if target_id not in by_id:
                raise CodegenError(f"{where}: {ALIAS_KEY} {target_id!r} names no operation")
            target_route, target_item, target = by_id[target_id]
            if ALIAS_KEY in target:
                raise CodegenError(f"{where}: {ALIAS_KEY} {target_id!r} is itself an alias; name its target")
            if sorted(_TEMPLATE.findall(route)) != sorted(_TEMPLATE.findall(target_route)):
                raise CodegenError(
                    f"{where}: path parameters {sorted(_TEMPLATE.findall(route))} differ from those of "
                    f"{target_id} ({target_route}: {sorted(_TEMPLATE.findall(target_route))})"
                )
            twin = copy.deepcopy(target)
            # The target's description usually speaks about its own path; never inherit it.
            twin.pop("description", None)
            shared = copy.deepcopy(target_item.get("parameters", []))
            if shared:
                twin["parameters"] = [*shared, *twin.get("parameters", [])]
            twin.update({k: v for k, v in op.items() if k in ALIAS_OWN_KEYS})
            item[method] = twin


def _tag_source(item: dict[str, Any], source: str) -> dict[str, Any]:
    """Remember which file declared each operation (for error messages)."""
    for method in HTTP_METHODS:
        if method in item:
            item[method]["x-source"] = source
    return item


def validate_document(doc: dict[str, Any]) -> None:
    """Structural validation against the OpenAPI 3.0 meta-schema."""
    version = str(doc.get("openapi", ""))
    if not version.startswith("3.0."):
        raise CodegenError(f"openapi version {version!r}: write OpenAPI 3.0.x (Connexion 3 rejects 3.1)")
    try:
        validate(doc)
    except OpenAPIValidationError as exc:
        where = "/".join(str(p) for p in exc.path) or "(root)"
        raise CodegenError(f"invalid OpenAPI document at {where}: {exc.message}") from exc
    except Unresolvable as exc:
        # A dangling $ref; str(exc) would dump the whole document.
        ref = f"#{exc.ref}" if isinstance(exc, PointerToNowhere) else exc.ref
        raise CodegenError(f"invalid OpenAPI document: $ref {ref!r} points to nothing") from exc


def _resolve(doc: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    ref = node.get("$ref")
    if not ref:
        return node
    if not ref.startswith("#/"):
        raise CodegenError(f"$ref {ref!r}: only local references (#/components/...) are allowed")
    target: Any = doc
    for part in ref[2:].split("/"):
        target = target[part]
    return _resolve(doc, target)


def build_model(doc: dict[str, Any], sources: dict[str, str]) -> ApiModel:
    """Build the IR, checking the rules codegen relies on."""
    validate_document(doc)
    tags = [Tag(name=t["name"], description=t.get("description", "")) for t in doc.get("tags", [])]
    known_tags = {t.name for t in tags}
    for tag in tags:
        module_name(tag.name)
    operations: list[Operation] = []
    seen_ids: dict[str, str] = {}
    seen_names: dict[str, str] = {}
    for route, item in doc.get("paths", {}).items():
        shared_params = item.get("parameters", [])
        for method in HTTP_METHODS:
            op = item.get(method)
            if op is None:
                continue
            where = f"{method.upper()} {route} ({op.get('x-source', ROOT_FILE)})"
            op_id = op.get("operationId")
            if not op_id:
                raise CodegenError(f"{where}: operationId is missing")
            if op_id in seen_ids:
                raise CodegenError(f"duplicate operationId {op_id!r}: {seen_ids[op_id]} and {where}")
            seen_ids[op_id] = where
            op_tags = op.get("tags") or []
            if len(op_tags) != 1:
                raise CodegenError(f"{where}: exactly one tag (its API area) is required, found {op_tags}")
            if op_tags[0] not in known_tags:
                raise CodegenError(f"{where}: tag {op_tags[0]!r} is not declared in any tags list")
            name_key = f"{op_tags[0]}.{snake_case(op_id)}"
            if name_key in seen_names:
                raise CodegenError(
                    f"{where}: operationId {op_id!r} and {seen_names[name_key]!r} map to the "
                    f"same handler function {snake_case(op_id)}"
                )
            seen_names[name_key] = op_id
            if "security" not in op:
                raise CodegenError(
                    f"{where}: declare `security` (`[]` for public, `[{{providerSession: []}}]` for a "
                    "provider session) so every operation states its access"
                )
            security = op["security"]
            unauthenticated = op.get(UNAUTHENTICATED_KEY, "error")
            if unauthenticated not in UNAUTHENTICATED_CHOICES:
                raise CodegenError(
                    f"{where}: {UNAUTHENTICATED_KEY} must be one of {list(UNAUTHENTICATED_CHOICES)}, "
                    f"found {unauthenticated!r}"
                )
            operations.append(
                Operation(
                    operation_id=op_id,
                    method=method.upper(),
                    path=route,
                    tag=op_tags[0],
                    summary=op.get("summary", ""),
                    description=op.get("description", ""),
                    security=tuple(sorted({name for req in security for name in req})),
                    parameters=tuple(
                        _parameter(doc, p, where) for p in [*shared_params, *op.get("parameters", [])]
                    ),
                    request_body=_request_body(doc, op.get("requestBody")),
                    responses=tuple(
                        _response(doc, status, r) for status, r in op.get("responses", {}).items()
                    ),
                    source=op.get("x-source", ROOT_FILE),
                    unauthenticated=unauthenticated,
                    alias_of=op.get(ALIAS_KEY),
                )
            )
    operations.sort(key=lambda o: (o.tag, o.path, o.method))
    return ApiModel(spec=doc, operations=operations, tags=tags, sources=sources)


def _parameter(doc: dict[str, Any], node: dict[str, Any], where: str) -> Parameter:
    p = _resolve(doc, node)
    paging = p.get(PAGING_KEY)
    if paging is not None and paging not in PAGING_FIELDS:
        raise CodegenError(
            f"{where}: parameter {p['name']!r}: {PAGING_KEY} must be one of {list(PAGING_FIELDS)}, found {paging!r}"
        )
    if paging is not None and p["in"] != "query":
        raise CodegenError(f"{where}: parameter {p['name']!r}: {PAGING_KEY} is for query parameters only")
    group, group_field = _group(p, where)
    return Parameter(
        name=p["name"],
        location=p["in"],
        required=bool(p.get("required", False)),
        schema=p.get("schema", {}),
        description=p.get("description", ""),
        paging=paging,
        group=group,
        group_field=group_field,
        spelling_of=p.get("x-spelling-of"),
        lenient=p.get(lenient.KEY) or {},
    )


def _group(p: dict[str, Any], where: str) -> tuple[str | None, str | None]:
    """``(Group, field)`` of a parameter marked ``x-group: <Group>.<field>``, else ``(None, None)``."""
    value = p.get(GROUP_KEY)
    if value is None:
        return None, None
    found = _GROUP.match(value) if isinstance(value, str) else None
    if found is None or keyword.iskeyword(found.group(2)):
        raise CodegenError(
            f"{where}: parameter {p['name']!r}: {GROUP_KEY} must read `<Group>.<field>` (a CapWords class "
            f"name, a snake_case field), found {value!r}"
        )
    if p["in"] != "query":
        raise CodegenError(f"{where}: parameter {p['name']!r}: {GROUP_KEY} is for query parameters only")
    if p.get(PAGING_KEY) is not None:
        raise CodegenError(f"{where}: parameter {p['name']!r}: {GROUP_KEY} and {PAGING_KEY} exclude each other")
    return found.group(1), found.group(2)


def _request_body(doc: dict[str, Any], node: dict[str, Any] | None) -> RequestBody | None:
    if node is None:
        return None
    body = _resolve(doc, node)
    content = body.get("content", {})
    first: dict[str, Any] = next(iter(content.values()), {})
    return RequestBody(
        required=bool(body.get("required", False)),
        media_types=tuple(content),
        schema=first.get("schema", {}),
    )


def _response(doc: dict[str, Any], status: Any, node: dict[str, Any]) -> Response:
    r = _resolve(doc, node)
    content = r.get("content", {})
    first: dict[str, Any] | None = next(iter(content.values()), None)
    return Response(
        status=str(status),
        description=r.get("description", ""),
        media_types=tuple(content),
        schema=None if first is None else first.get("schema"),
    )


def strip_private(doc: dict[str, Any]) -> dict[str, Any]:
    """The document as served and written: without codegen-only ``x-source`` keys."""
    clean = copy.deepcopy(doc)
    for item in clean.get("paths", {}).values():
        for method in HTTP_METHODS:
            if method in item:
                item[method].pop("x-source", None)
    return clean


def load(spec_dir: Path) -> ApiModel:
    doc, sources = bundle(spec_dir)
    return build_model(doc, sources)
