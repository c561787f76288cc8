"""Reference documents built from the IR: REST and GraphQL HTML, the error table.

Also the catalog-versus-code check of ``make error``: codes must be unique
(checked when loading), every ``ErrXxx`` the code names must be catalogued and
every catalogued error must be raised somewhere.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from graphql import build_schema
from graphql.type import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLUnionType,
)

from codegen import errors as error_catalog
from codegen import graphql, openapi
from codegen.ir import CodegenError
from codegen.pipeline import Layout, dump_yaml
from codegen.render import render

CODE_DIRS = ("handlers", "meshery")
ERR_NAME = re.compile(r"\bErr[A-Z][A-Za-z0-9]+\b")


def _code_text(layout: Layout) -> dict[Path, str]:
    texts: dict[Path, str] = {}
    for folder in CODE_DIRS:
        for path in sorted((layout.root / folder).rglob("*.py")):
            texts[path] = path.read_text(encoding="utf-8")
    return texts


def check_error_usage(layout: Layout) -> list[str]:
    catalog = error_catalog.load(layout.errors_file)
    names = {e.name for e in catalog.errors}
    codes = {e.code for e in catalog.errors}
    code_re = re.compile(rf"\b{re.escape(catalog.component['name'])}-\d+\b")
    used: set[str] = set()
    problems: list[str] = []
    for path, text in _code_text(layout).items():
        rel = path.relative_to(layout.root)
        for match in ERR_NAME.finditer(text):
            used.add(match.group(0))
            if match.group(0) not in names:
                problems.append(f"{rel}: unknown error {match.group(0)} (not in spec/errors.yaml)")
        for match in code_re.finditer(text):
            if match.group(0) not in codes:
                problems.append(f"{rel}: unknown error code {match.group(0)}")
            else:
                problems.append(f"{rel}: literal code {match.group(0)}; raise the error class instead")
    problems += [f"spec/errors.yaml: {name} is never raised" for name in sorted(names - used)]
    return problems


def write_error_reference(layout: Layout, out: Path) -> Path:
    catalog = error_catalog.load(layout.errors_file)
    out.parent.mkdir(parents=True, exist_ok=True)
    if out.suffix == ".json":
        rows = [
            {
                "name": e.name,
                "code": e.code,
                "severity": e.severity,
                "http_status": e.http_status,
                "short_description": e.short,
                "long_description": list(e.long),
                "probable_cause": list(e.cause),
                "suggested_remediation": list(e.remedy),
            }
            for e in catalog.errors
        ]
        out.write_text(json.dumps({"component": catalog.component, "errors": rows}, indent=2) + "\n")
    else:
        out.write_text(render("errors.md.jinja", component=catalog.component, errors=catalog.errors))
    return out


def _type_kind(t: object) -> str:
    for cls, kind in (
        (GraphQLObjectType, "type"),
        (GraphQLInputObjectType, "input"),
        (GraphQLEnumType, "enum"),
        (GraphQLScalarType, "scalar"),
        (GraphQLInterfaceType, "interface"),
        (GraphQLUnionType, "union"),
    ):
        if isinstance(t, cls):
            return kind
    return "type"


def write(command: str, layout: Layout, out: Path) -> Path:
    out.parent.mkdir(parents=True, exist_ok=True)
    if command == "bundle":
        api = openapi.load(layout.openapi_dir)
        text = dump_yaml(openapi.strip_private(api.spec))
        out.write_text(json.dumps(openapi.strip_private(api.spec), indent=2) if out.suffix == ".json" else text)
    elif command == "openapi-docs":
        api = openapi.load(layout.openapi_dir)
        by_tag = {t.name: [op for op in api.operations if op.tag == t.name] for t in api.tags}
        out.write_text(
            render(
                "api-reference.html.jinja",
                api=api,
                by_tag=by_tag,
                schemas={k: json.dumps(v, indent=2) for k, v in api.schemas.items()},
                dumps=lambda v: json.dumps(v, sort_keys=True),
            )
        )
    elif command == "graphql-sdl":
        out.write_text(graphql.load(layout.graphql_dir).sdl)
    elif command == "graphql-docs":
        model = graphql.load(layout.graphql_dir)
        schema = build_schema(model.sdl)
        types = [
            (name, _type_kind(t), t)
            for name, t in sorted(schema.type_map.items())
            if not name.startswith("__")
        ]
        out.write_text(render("graphql-reference.html.jinja", types=types, roots=model.root_fields))
    else:
        raise CodegenError(f"unknown docs command {command}")
    return out
