"""Client SDKs (Python and TypeScript) from the operations of the intermediate model.

Each operation becomes one method named after its operationId (snake_case in
Python, as is in TypeScript). Path parameters are positional, query parameters
keyword (Python) or one options object (TypeScript), a request body is one
argument shaped by its media type. The TypeScript SDK also carries one type per
component schema, so responses are typed; the Python SDK returns decoded JSON typed by the
``TypedDict``s of ``codegen.sdk_types`` (the server's answer models).
"""

from __future__ import annotations

import json
import keyword
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from codegen import sdk_types
from codegen.ir import ApiModel, CodegenError, Operation, snake_case
from codegen.render import header, render

PY_TYPES = {"string": "str", "integer": "int", "number": "float", "boolean": "bool"}
TS_SCALARS = {"string": "string", "integer": "number", "number": "number", "boolean": "boolean"}
JSON_TYPES = ("application/json",)
MULTIPART_TYPES = ("multipart/form-data", "application/x-www-form-urlencoded")


@dataclass(frozen=True)
class SdkParam:
    wire: str
    py_name: str
    ts_name: str
    py_type: str
    ts_type: str
    required: bool
    description: str


@dataclass(frozen=True)
class SdkOperation:
    operation_id: str
    py_name: str
    method: str
    path: str
    summary: str
    path_params: tuple[SdkParam, ...]
    query_params: tuple[SdkParam, ...]
    body_kind: str  # "", "json", "form" or "content"
    body_media_type: str
    body_required: bool
    ts_result: str
    public: bool
    py_result: str = "Any"

    @property
    def py_path(self) -> str:
        """The path as an f-string body with quoted path parameters."""
        path = self.path
        for param in self.path_params:
            path = path.replace("{" + param.wire + "}", "{_quote(" + param.py_name + ")}")
        return path

    @property
    def ts_path(self) -> str:
        path = self.path
        for param in self.path_params:
            path = path.replace("{" + param.wire + "}", "${encodeURIComponent(String(" + param.ts_name + "))}")
        return path


def _py_identifier(name: str) -> str:
    ident = snake_case(name) or "value"
    if ident[0].isdigit():
        ident = f"p_{ident}"
    return f"{ident}_" if keyword.iskeyword(ident) or ident in {"body", "files", "data", "content"} else ident


def _ts_identifier(name: str) -> str:
    parts = [p for p in snake_case(name).split("_") if p]
    ident = parts[0] + "".join(p.title() for p in parts[1:]) if parts else "value"
    return f"p{ident}" if ident[0].isdigit() else ident


class TypeMapper:
    """JSON Schema (OpenAPI 3.0 flavour) to Python and TypeScript type expressions."""

    def __init__(self, schemas: dict[str, Any]) -> None:
        self.schemas = schemas

    def resolve(self, schema: dict[str, Any]) -> dict[str, Any]:
        seen: set[str] = set()
        while "$ref" in schema:
            ref = str(schema["$ref"])
            if ref in seen:
                break
            seen.add(ref)
            schema = self.schemas.get(ref.rsplit("/", 1)[-1], {})
        return schema

    def python(self, schema: dict[str, Any]) -> str:
        schema = self.resolve(schema)
        kind = schema.get("type")
        if kind == "array":
            return f"Sequence[{self.python(schema.get('items', {}))}]"
        return PY_TYPES.get(str(kind), "Any")

    def typescript(self, schema: dict[str, Any] | None, *, depth: int = 0) -> str:
        if not schema:
            return "unknown"
        if "$ref" in schema:
            return ts_type_name(str(schema["$ref"]).rsplit("/", 1)[-1])
        text = self._typescript(schema, depth)
        return f"{text} | null" if schema.get("nullable") else text

    def _typescript(self, schema: dict[str, Any], depth: int) -> str:
        if "enum" in schema:
            return " | ".join(_ts_literal(v) for v in schema["enum"]) or "never"
        for key, joiner in (("allOf", " & "), ("oneOf", " | "), ("anyOf", " | ")):
            if key in schema:
                return "(" + joiner.join(self.typescript(s, depth=depth) for s in schema[key]) + ")"
        kind = schema.get("type")
        if kind == "array":
            return f"Array<{self.typescript(schema.get('items'), depth=depth)}>"
        if kind in TS_SCALARS:
            return TS_SCALARS[str(kind)]
        if kind == "object" or "properties" in schema or "additionalProperties" in schema:
            return self._object(schema, depth)
        return "unknown"

    def _object(self, schema: dict[str, Any], depth: int) -> str:
        required = set(schema.get("required", []))
        pad = "  " * (depth + 1)
        lines = []
        for name, prop in schema.get("properties", {}).items():
            optional = "" if name in required else "?"
            lines.append(f"{pad}{_ts_key(name)}{optional}: {self.typescript(prop, depth=depth + 1)};")
        extra = schema.get("additionalProperties")
        if extra is True or extra == {} or (isinstance(extra, dict) and lines):
            # Named properties must fit the index signature; only `unknown` always does.
            lines.append(f"{pad}[key: string]: unknown;")
        elif isinstance(extra, dict):
            lines.append(f"{pad}[key: string]: {self.typescript(extra, depth=depth + 1)};")
        if not lines:
            return "Record<string, unknown>"
        return "{\n" + "\n".join(lines) + "\n" + "  " * depth + "}"


def ts_type_name(schema_name: str) -> str:
    name = "".join(part[:1].upper() + part[1:] for part in snake_case(schema_name).split("_"))
    return name if name[:1].isalpha() else f"T{name}"


def _ts_key(name: str) -> str:
    return name if name.isidentifier() else repr(name).replace("'", '"')


def _ts_literal(value: Any) -> str:
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _params(op: Operation, mapper: TypeMapper, location: str) -> tuple[SdkParam, ...]:
    params = []
    for param in op.parameters:
        if param.location != location or param.spelling_of is not None:
            continue  # a second spelling (x-spelling-of): the SDK sends the one it names
        py_type = mapper.python(param.schema)
        ts_type = (
            _query_ts(mapper.typescript(mapper.resolve(param.schema)))
            if location == "query"
            else mapper.typescript(param.schema)
        )
        # Values the server's lenient reader gives a meaning (``x-lenient``) that a caller would
        # choose on purpose: ``all`` (every item). ``default`` values are what leaving it out does.
        chosen = sorted(v for v, meaning in param.lenient.get("values", {}).items() if meaning == "all")
        for value in chosen:
            if py_type != "str":
                py_type = f"{py_type} | Literal[{json.dumps(value)}]"
            if ts_type != "string":
                ts_type = f"{ts_type} | {json.dumps(value)}"
        params.append(
            SdkParam(
                wire=param.name,
                py_name=_py_identifier(param.name),
                ts_name=_ts_identifier(param.name),
                py_type=py_type,
                ts_type=ts_type,
                required=param.required,
                description=" ".join(param.description.split()),
            )
        )
    for attribute in ("py_name", "ts_name"):
        seen: dict[str, str] = {}
        for p in params:
            name = str(getattr(p, attribute))
            if name in seen:
                raise CodegenError(
                    f"{op.operation_id}: parameters {seen[name]!r} and {p.wire!r} map to the same SDK argument {name!r}"
                )
            seen[name] = p.wire
    return tuple(params)


def _query_ts(text: str) -> str:
    """Query values are scalars or arrays of scalars; anything richer travels as a string."""
    scalars = {"string", "number", "boolean"}
    if text in scalars or text.startswith('"') or text in {f"Array<{t}>" for t in scalars}:
        return text
    return "string"


def _result(op: Operation, mapper: TypeMapper) -> str:
    types = []
    for response in op.responses:
        if not response.status.startswith("2"):
            continue
        if response.status == "204" or not response.media_types:
            types.append("void")
        elif any(m in JSON_TYPES for m in response.media_types):
            types.append(mapper.typescript(response.schema))
        elif any(m.startswith("text/") or "yaml" in m for m in response.media_types):
            types.append("string")
        else:
            types.append("Blob")
    unique = list(dict.fromkeys(types)) or ["unknown"]
    return " | ".join(unique)


def build(api: ApiModel) -> list[SdkOperation]:
    mapper = TypeMapper(api.schemas)
    py_results = sdk_types.build(api).results
    operations = []
    for op in api.operations:
        body_kind, media = "", ""
        if op.request_body is not None:
            media = op.request_body.media_types[0]
            if media in JSON_TYPES:
                body_kind = "json"
            elif media in MULTIPART_TYPES:
                body_kind = "form"
            else:
                body_kind = "content"
        operations.append(
            SdkOperation(
                operation_id=op.operation_id,
                py_name=op.python_name,
                method=op.method.upper(),
                path=op.path,
                summary=" ".join(op.summary.split()),
                path_params=_params(op, mapper, "path"),
                query_params=_params(op, mapper, "query"),
                body_kind=body_kind,
                body_media_type=media,
                body_required=bool(op.request_body and op.request_body.required),
                ts_result=_result(op, mapper),
                public=op.public,
                py_result=py_results.get(op.operation_id, "Any"),
            )
        )
    return operations


def emit(api: ApiModel, out: Path, spec_header: str) -> list[Path]:
    """Write the Python and TypeScript SDKs under ``out`` (``generated/sdk``)."""
    operations = build(api)
    mapper = TypeMapper(api.schemas)
    types = [(ts_type_name(name), mapper.typescript(schema)) for name, schema in sorted(api.schemas.items())]
    ts_header = header("spec/openapi", api.sources, comment="//")
    files = {
        out / "python" / "meshery_client" / "__init__.py": render(
            "sdk_python.py.jinja",
            header=spec_header,
            api=api,
            operations=operations,
            typed_dicts=sdk_types.build(api).dicts,
        ),
        out / "python" / "pyproject.toml": render("sdk_pyproject.toml.jinja", header=spec_header, api=api),
        out / "typescript" / "meshery-client.ts": render(
            "sdk_typescript.ts.jinja", header=ts_header, api=api, operations=operations, types=types
        ),
        out / "typescript" / "package.json": render("sdk_package.json.jinja", api=api),
    }
    for path, text in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return list(files)
