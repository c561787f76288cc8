"""Run every emitter into a folder; compare a fresh run with the committed one."""

from __future__ import annotations

import filecmp
import json
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import yaml

from codegen import answers, forms, graphql, handler_types, openapi, protos, pydantic_models, sdk
from codegen import errors as error_catalog
from codegen.ir import CodegenError, module_name
from codegen.render import header, render


@dataclass(frozen=True)
class Layout:
    """Where the sources live, relative to the project root."""

    root: Path

    @property
    def openapi_dir(self) -> Path:
        return self.root / "spec" / "openapi"

    @property
    def graphql_dir(self) -> Path:
        return self.root / "spec" / "graphql"

    @property
    def errors_file(self) -> Path:
        return self.root / "spec" / "errors.yaml"

    @property
    def proto_dir(self) -> Path:
        return self.root / "protos"


def dump_yaml(doc: object) -> str:
    return yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=100)


def dump_json(doc: dict[str, object], spec_header: str) -> str:
    """The bundled spec as JSON, which the server loads (far faster than YAML); the header is an extension key."""
    marked = {"x-generated": spec_header.removeprefix("# "), **doc}
    return json.dumps(marked, indent=1, ensure_ascii=False) + "\n"


def emit_all(layout: Layout, out_root: Path) -> list[Path]:
    """Write the whole ``generated`` package under out_root; returns the files."""
    gen = out_root / "generated"
    gen.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []

    def write(name: str, text: str) -> None:
        path = gen / name
        path.write_text(text, encoding="utf-8")
        written.append(path)

    api = openapi.load(layout.openapi_dir)
    spec_header = header("spec/openapi", api.sources)
    write("__init__.py", render("init.py.jinja", header=spec_header))
    served = openapi.strip_private(api.spec)
    write("openapi.yaml", f"{spec_header}\n{dump_yaml(served)}")
    write("openapi.json", dump_json(served, spec_header))
    modules = sorted({f"handlers.{module_name(op.tag)}" for op in api.operations})
    write(
        "operations.py",
        render("operations.py.jinja", header=spec_header, operations=api.operations, modules=modules),
    )
    pydantic_models.emit(gen / "openapi.yaml", gen / "models.py", spec_header)
    written.append(gen / "models.py")
    write("handler_types.py", handler_types.emit(api, (gen / "models.py").read_text(encoding="utf-8"), spec_header))
    write("answers.py", answers.emit(api, spec_header))
    form_schemas = forms.emit(api.spec, spec_header)
    if form_schemas is not None:
        write("form_schemas.py", form_schemas)
    written += sdk.emit(api, gen / "sdk", spec_header)

    gql = graphql.load(layout.graphql_dir)
    gql_modules = sorted({f"handlers.{module_name(f.area)}" for f in gql.root_fields})
    write(
        "graphql_schema.py",
        render(
            "graphql_schema.py.jinja",
            header=header("spec/graphql", gql.sources),
            sdl=gql.sdl,
            fields=gql.root_fields,
            modules=gql_modules,
        ),
    )

    catalog = error_catalog.load(layout.errors_file)
    write(
        "errors.py",
        render(
            "errors.py.jinja",
            header=header("spec/errors.yaml", {"errors.yaml": catalog.source}),
            component=catalog.component,
            errors=catalog.errors,
        ),
    )

    proto_sources = {str(p): p.read_text(encoding="utf-8") for p in sorted(layout.proto_dir.rglob("*.proto"))}
    written += protos.emit(layout.proto_dir, out_root, header("protos", proto_sources))
    return written


def _tree(folder: Path) -> set[Path]:
    return {p.relative_to(folder) for p in folder.rglob("*") if p.is_file() and "__pycache__" not in p.parts}


def generate(layout: Layout) -> list[Path]:
    """Regenerate ``generated/`` in place; files no emitter writes are removed."""
    with tempfile.TemporaryDirectory() as tmp:
        emit_all(layout, Path(tmp))
        fresh = Path(tmp) / "generated"
        target = layout.root / "generated"
        if target.exists():
            shutil.rmtree(target)
        shutil.copytree(fresh, target)
    return sorted(target / p for p in _tree(target))


def invalid_served_spec(layout: Layout) -> list[str]:
    """Problems of the committed ``generated/openapi.json`` under openapi-spec-validator.

    The server loads this file without validating it (that cost a second of CPU per start);
    ``make check-generated`` validates it instead.
    """
    path = layout.root / "generated" / "openapi.json"
    if not path.exists():
        return []
    try:
        openapi.validate_document(json.loads(path.read_text(encoding="utf-8")))
    except (CodegenError, ValueError) as exc:
        return [f"invalid: generated/openapi.json: {exc}"]
    return []


def stale(layout: Layout) -> list[str]:
    """Differences between a fresh run and ``generated/`` (empty when up to date), then spec problems."""
    target = layout.root / "generated"
    with tempfile.TemporaryDirectory() as tmp:
        emit_all(layout, Path(tmp))
        fresh = Path(tmp) / "generated"
        new, old = _tree(fresh), _tree(target) if target.exists() else set()
        problems = [f"missing: generated/{p}" for p in sorted(new - old)]
        problems += [f"not generated by any source: generated/{p}" for p in sorted(old - new)]
        problems += [
            f"differs: generated/{p}"
            for p in sorted(new & old)
            if not filecmp.cmp(fresh / p, target / p, shallow=False)
        ]
    return problems + invalid_served_spec(layout)
