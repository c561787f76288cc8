"""The GraphQL SDL loader: root fields per area, and invalid SDL."""

from __future__ import annotations

from pathlib import Path

import pytest
from graphql import build_schema

from codegen import graphql
from codegen.ir import CodegenError
from tests.codegen import support

SDL_DIR = support.FIXTURE / "spec" / "graphql"


def _sdl_dir(project: Path) -> Path:
    return project / "spec" / "graphql"


def _error(project: Path) -> str:
    with pytest.raises(CodegenError) as info:
        graphql.load(_sdl_dir(project))
    return str(info.value)


def test_root_fields_with_arguments_and_functions() -> None:
    model = graphql.load(SDL_DIR)
    fields = {(f.type_name, f.name): f for f in model.root_fields}
    assert list(fields) == [("Query", "pets"), ("Subscription", "petAdded"), ("Subscription", "subscribePetEvents")]
    pets = fields["Query", "pets"]
    assert pets.area == "pets"
    assert pets.description == "Pets, optionally of one owner."
    assert pets.args == (("ownerName", "String"), ("firstN", "Int"))
    assert pets.python_args == (("ownerName", "owner_name"), ("firstN", "first_n"))
    assert pets.handler == "handlers.pets.resolve_pets"
    assert fields["Subscription", "petAdded"].handler == "handlers.pets.subscribe_pet_added"
    assert fields["Subscription", "subscribePetEvents"].handler == "handlers.pets.subscribe_pet_events"


def test_sdl_is_the_root_file_then_the_areas_in_sorted_order(project: Path) -> None:
    (_sdl_dir(project) / "animals.graphql").write_text(
        "extend type Query {\n  animals: [String!]!\n}\n", encoding="utf-8"
    )
    model = graphql.load(_sdl_dir(project))
    root = model.sdl.index("scalar Map")
    assert root < model.sdl.index("animals: [String!]!") < model.sdl.index("type Pet")
    assert [Path(p).name for p in model.sources] == ["schema.graphql", "animals.graphql", "pets.graphql"]
    schema = build_schema(model.sdl)
    assert schema.query_type is not None
    assert set(schema.query_type.fields) == {"animals", "pets"}


def test_syntax_error_names_the_file(project: Path) -> None:
    path = _sdl_dir(project) / "pets.graphql"
    path.write_text(path.read_text(encoding="utf-8").replace("type Pet {", "type Pet {{"), encoding="utf-8")
    message = _error(project)
    assert message.startswith(f"{path}: Syntax Error: ")
    assert "line=" in message


def test_root_field_declared_twice(project: Path) -> None:
    (_sdl_dir(project) / "zoo.graphql").write_text("extend type Query {\n  pets: [String!]!\n}\n", encoding="utf-8")
    message = _error(project)
    assert message == f"{_sdl_dir(project) / 'zoo.graphql'}: Query.pets is already declared in pets.graphql"


def test_root_field_in_the_root_file(project: Path) -> None:
    path = _sdl_dir(project) / "schema.graphql"
    path.write_text(
        path.read_text(encoding="utf-8").replace("type Query\n", "type Query {\n  ping: String\n}\n"),
        encoding="utf-8",
    )
    assert _error(project) == f"{path}: declare root fields in an area file, not in schema.graphql"


def test_area_whose_name_is_no_module_name(project: Path) -> None:
    (_sdl_dir(project) / "pets.graphql").rename(_sdl_dir(project) / "9pets.graphql")
    assert _error(project) == "tag '9pets' does not make a valid Python module name"


def test_schema_that_does_not_build(project: Path) -> None:
    (_sdl_dir(project) / "zoo.graphql").write_text("extend type Query {\n  keeper: Keeper\n}\n", encoding="utf-8")
    message = _error(project)
    assert message.startswith(f"GraphQL schema in {_sdl_dir(project)} does not build: ")
    assert "Keeper" in message


def test_missing_root_file(project: Path) -> None:
    (_sdl_dir(project) / "schema.graphql").unlink()
    assert _error(project).endswith("schema.graphql: the GraphQL root file is missing")


ALIAS_DIRECTIVE = "directive @alias(of: String!) on FIELD_DEFINITION | ARGUMENT_DEFINITION\n"


def test_an_argument_alias_reaches_the_resolver_as_its_target(project: Path) -> None:
    (_sdl_dir(project) / "animals.graphql").write_text(
        ALIAS_DIRECTIVE
        + 'extend type Query {\n  animals(ownerID: String, legacyOwner: String @alias(of: "ownerID")): [String!]!\n}\n',
        encoding="utf-8",
    )
    field = next(f for f in graphql.load(_sdl_dir(project)).root_fields if f.name == "animals")
    assert field.aliases == (("legacyOwner", "ownerID"),)
    assert field.python_args == (("ownerID", "owner_id"), ("legacyOwner", "owner_id"))


@pytest.mark.parametrize("target", ["nope", "other"])
def test_an_alias_must_name_a_plain_argument(project: Path, target: str) -> None:
    (_sdl_dir(project) / "animals.graphql").write_text(
        ALIAS_DIRECTIVE
        + "extend type Query {\n"
        + f'  animals(a: String @alias(of: "{target}"), other: String @alias(of: "a")): [String!]!\n'
        + "}\n",
        encoding="utf-8",
    )
    assert "is an alias of" in _error(project)
