"""``codegen.docs``: the catalog-versus-code check and the reference documents."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from codegen import docs, graphql, openapi
from codegen.ir import CodegenError
from codegen.pipeline import Layout
from tests.codegen import support

PETS_HANDLERS = '''\
"""Handlers of the pets area."""

from generated import errors


async def update_pet(pet_id: str) -> None:
    if not pet_id:
        raise errors.ErrPetInvalid("empty id")
    raise errors.ErrPetNotFound(pet_id)
'''

APP = '''\
"""App assembly."""

from generated.errors import ErrStartup, MesheryError

FAILURES: tuple[type[MesheryError], ...] = (ErrStartup,)
'''


@pytest.fixture
def layout(project: Path) -> Layout:
    """The fixture project with code that raises every catalogued error."""
    (project / "handlers").mkdir()
    (project / "handlers" / "pets.py").write_text(PETS_HANDLERS, encoding="utf-8")
    (project / "meshery" / "sub").mkdir(parents=True)
    (project / "meshery" / "sub" / "app.py").write_text(APP, encoding="utf-8")
    return Layout(project)


# --- check_error_usage -----------------------------------------------------------


def test_clean_project_reports_nothing(layout: Layout) -> None:
    assert docs.check_error_usage(layout) == []


def test_unknown_name_unused_entry_and_literal_codes_are_reported(layout: Layout) -> None:
    app = layout.root / "meshery" / "sub" / "app.py"
    app.write_text(
        APP.replace("(ErrStartup,)", "(ErrDatabaseGone,)").replace("ErrStartup, ", "")
        + 'LEGACY = "fixture-server-1002"\nOTHER = "fixture-server-9999"\n',
        encoding="utf-8",
    )
    assert docs.check_error_usage(layout) == [
        "meshery/sub/app.py: unknown error ErrDatabaseGone (not in spec/errors.yaml)",
        "meshery/sub/app.py: literal code fixture-server-1002; raise the error class instead",
        "meshery/sub/app.py: unknown error code fixture-server-9999",
        "spec/errors.yaml: ErrStartup is never raised",
    ]


def test_files_outside_handlers_and_meshery_are_not_code(layout: Layout) -> None:
    (layout.root / "tests").mkdir()
    (layout.root / "tests" / "test_x.py").write_text("ErrNotCatalogued\n", encoding="utf-8")
    (layout.root / "handlers" / "notes.txt").write_text("ErrNotCatalogued\n", encoding="utf-8")
    assert docs.check_error_usage(layout) == []


def test_project_without_code_reports_every_entry(project: Path) -> None:
    assert docs.check_error_usage(Layout(project)) == [
        "spec/errors.yaml: ErrPetInvalid is never raised",
        "spec/errors.yaml: ErrPetNotFound is never raised",
        "spec/errors.yaml: ErrStartup is never raised",
    ]


# --- the error reference ---------------------------------------------------------


def test_error_reference_markdown_and_json(tmp_path: Path) -> None:
    layout = Layout(support.FIXTURE)
    markdown = docs.write_error_reference(layout, tmp_path / "build" / "errors.md").read_text(encoding="utf-8")
    assert markdown.startswith("# Error reference: fixture-server\n")
    assert "| fixture-server-1001 | ErrPetNotFound | 404 | ERROR | Pet not found | No pet has this id." in markdown
    assert "| fixture-server-1003 | ErrStartup | - | FATAL |" in markdown
    table = json.loads(docs.write_error_reference(layout, tmp_path / "errors.json").read_text(encoding="utf-8"))
    assert table["component"]["name"] == "fixture-server"
    assert [row["code"] for row in table["errors"]] == [
        "fixture-server-1001",
        "fixture-server-1002",
        "fixture-server-1003",
    ]
    assert table["errors"][0]["long_description"] == ["Pets are looked up by id."]
    assert table["errors"][2]["http_status"] is None


# --- REST and GraphQL references, bundle -------------------------------------------


def test_openapi_docs_name_every_operation(tmp_path: Path) -> None:
    layout = Layout(support.FIXTURE)
    html = docs.write("openapi-docs", layout, tmp_path / "docs" / "api.html").read_text(encoding="utf-8")
    api = openapi.load(layout.openapi_dir)
    for op in api.operations:
        assert f'id="op-{op.operation_id}"' in html
        assert f"<b>{op.operation_id}</b>" in html
    for name in api.schemas:
        assert f'id="schema-{name}"' in html
    assert "<code>/api/pets/{petID}</code>" in html
    assert '<span class="session">needs: session</span>' in html
    assert "(3 operations)" in html and "(1 operations)" in html


def test_graphql_docs_name_every_root_field(tmp_path: Path) -> None:
    layout = Layout(support.FIXTURE)
    html = docs.write("graphql-docs", layout, tmp_path / "graphql.html").read_text(encoding="utf-8")
    for field in graphql.load(layout.graphql_dir).root_fields:
        assert f"<td>{field.type_name}</td><td><a href=\"#type-{field.type_name}\"><code>{field.name}</code>" in html
    assert '<h3 id="type-Pet">type Pet</h3>' in html
    assert '<h3 id="type-Map">scalar Map</h3>' in html
    assert "<code>ownerName: String</code>" in html


def test_graphql_sdl(tmp_path: Path) -> None:
    layout = Layout(support.FIXTURE)
    sdl = docs.write("graphql-sdl", layout, tmp_path / "schema.graphql").read_text(encoding="utf-8")
    assert sdl == graphql.load(layout.graphql_dir).sdl


def test_bundle_json_and_yaml_are_the_same_document(tmp_path: Path, emitted: Path) -> None:
    layout = Layout(support.FIXTURE)
    as_yaml = yaml.safe_load(docs.write("bundle", layout, tmp_path / "openapi.yaml").read_text(encoding="utf-8"))
    as_json = json.loads(docs.write("bundle", layout, tmp_path / "openapi.json").read_text(encoding="utf-8"))
    assert as_yaml == as_json
    assert "x-source" not in json.dumps(as_json)
    assert as_yaml == yaml.safe_load((emitted / "openapi.yaml").read_text(encoding="utf-8"))
    assert set(as_json["paths"]) == {"/api/pets", "/api/animals", "/api/pets/{petID}", "/api/system/version"}


def test_unknown_docs_command(tmp_path: Path) -> None:
    with pytest.raises(CodegenError, match="unknown docs command pdf"):
        docs.write("pdf", Layout(support.FIXTURE), tmp_path / "x.pdf")
