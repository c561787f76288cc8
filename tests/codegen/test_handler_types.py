"""Handler signatures from the IR: names as the request layer passes them, types, paging, aliases."""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from connexion.decorators.parameter import pythonic

import generated
from codegen import handler_types, openapi
from codegen.ir import CodegenError
from tests.codegen import support

SPEC = support.FIXTURE / "spec" / "openapi"


@pytest.mark.parametrize(
    "wire", ["id", "type", "filter", "pageSize", "pagesize", "k8sClusterIDs", "connectionID", "output_format", "x-y"]
)
def test_python_name_is_connexions_pythonic_name(wire: str) -> None:
    assert handler_types.python_name(wire) == pythonic(wire)


def test_every_parameter_of_the_real_spec_gets_connexions_name() -> None:
    api = openapi.load(support.REPO / "spec" / "openapi")
    names = {p.name for op in api.operations for p in op.parameters}
    assert len(names) > 40
    assert {n: handler_types.python_name(n) for n in names} == {n: pythonic(n) for n in names}


@pytest.mark.parametrize(
    ("schema", "expected"),
    [
        ({"type": "integer"}, "int"),
        ({"type": "boolean"}, "bool"),
        ({"type": "array", "items": {"type": "string"}}, "list[str]"),
        ({"$ref": "#/components/schemas/Pet"}, "dict[str, Any]"),
        ({"$ref": "#/components/schemas/PetKind"}, "str"),
        ({}, "Any"),
    ],
)
def test_python_type_of_a_schema(schema: dict[str, Any], expected: str) -> None:
    assert handler_types.python_type(openapi.load(SPEC).spec, schema) == expected


def _signatures() -> dict[str, handler_types.HandlerSignature]:
    api = openapi.load(SPEC)
    source = (support.GOLDEN / "models.py").read_text(encoding="utf-8")
    return {s.operation.operation_id: s for s in handler_types.signatures(api, source)}


def test_paged_operation_folds_paging_parameters_into_one_argument() -> None:
    listing = _signatures()["listPets"]
    assert [(a.name, a.type, a.always, a.paging) for a in listing.args] == [
        ("page", "int", True, "page"),
        ("pagesize", "int", True, "size"),
        ("owner_name", "str", False, None),
        ("species", "str", False, None),
        ("vaccinated", "bool", False, None),
    ]
    assert [a.name for a in listing.handler_args] == ["owner_name", "pet_filter", "paging"]
    assert listing.returns == "list[models.Pet]"


def test_grouped_parameters_fold_into_one_argument_of_the_group_type() -> None:
    listing = _signatures()["listPets"]
    assert [(a.wire, a.group, a.field) for a in listing.args if a.group] == [
        ("species", "PetFilter", "species"),
        ("vaccinated", "PetFilter", "vaccinated"),
    ]
    pet_filter = next(a for a in listing.handler_args if a.name == "pet_filter")
    assert (pet_filter.source, pet_filter.type, pet_filter.always) == ("group", "PetFilter", True)
    assert handler_types.groups(list(_signatures().values())) == [
        handler_types.Group("PetFilter", (("species", "str"), ("vaccinated", "bool")))
    ]


def test_emitted_group_is_a_frozen_dataclass_of_optional_fields() -> None:
    api = openapi.load(SPEC)
    source = handler_types.emit(api, (support.GOLDEN / "models.py").read_text(encoding="utf-8"), "# header")
    assert "class PetFilter:\n" in source
    assert "    species: str | None = None\n    vaccinated: bool | None = None\n" in source
    assert "'PetFilter': ('pet_filter', PetFilter)," in source
    assert "pet_filter: PetFilter, paging: Paging" in source


@pytest.mark.parametrize("value", ["petFilter.species", "PetFilter", "PetFilter.Species", "PetFilter.class", 3])
def test_malformed_group(project: Path, value: Any) -> None:
    def change(doc: dict[str, Any]) -> None:
        doc["components"]["parameters"]["species"]["x-group"] = value

    support.edit_yaml(project / "spec" / "openapi" / "openapi.yaml", change)
    assert "parameter 'species': x-group must read `<Group>.<field>`" in _error(project)


def test_group_is_for_query_parameters_only(project: Path) -> None:
    def change(doc: dict[str, Any]) -> None:
        doc["components"]["parameters"]["petID"]["x-group"] = "PetFilter.pet_id"

    support.edit_yaml(project / "spec" / "openapi" / "openapi.yaml", change)
    assert "parameter 'petID': x-group is for query parameters only" in _error(project)


def test_group_field_has_one_type(project: Path) -> None:
    def change(doc: dict[str, Any]) -> None:
        doc["paths"]["/api/pets"]["get"]["parameters"][-1]["x-group"] = "PetFilter.species"
        doc["paths"]["/api/pets"]["get"]["parameters"].pop(-2)

    support.edit_yaml(project / "spec" / "openapi" / "pets.yaml", change)
    api = openapi.load(project / "spec" / "openapi")
    source = (support.GOLDEN / "models.py").read_text(encoding="utf-8")
    sigs = handler_types.signatures(api, source)
    assert handler_types.groups(sigs) == [handler_types.Group("PetFilter", (("species", "bool"),))]
    listing = next(s for s in sigs if s.operation.operation_id == "listPets")
    other = replace(listing.args[-1], type="str")
    with pytest.raises(CodegenError, match=r"PetFilter.species is `bool` in listAnimals but `str` in listPets"):
        handler_types.groups([*sigs, replace(listing, args=(other,))])


def test_two_parameters_filling_one_group_field(project: Path) -> None:
    def change(doc: dict[str, Any]) -> None:
        doc["paths"]["/api/pets"]["get"]["parameters"][-1]["x-group"] = "PetFilter.species"

    support.edit_yaml(project / "spec" / "openapi" / "pets.yaml", change)
    api = openapi.load(project / "spec" / "openapi")
    with pytest.raises(CodegenError, match=r"'vaccinated' and 'species' both fill PetFilter.species"):
        handler_types.signatures(api, "")


def test_path_parameter_and_body() -> None:
    update = _signatures()["updatePet"]
    assert [(a.name, a.source, a.type, a.always) for a in update.args] == [
        ("pet_id", "path", "str", True),
        ("body", "body", "dict[str, Any]", True),
    ]
    assert update.returns == "models.Pet"


def test_alias_has_its_own_id_and_the_targets_signature_and_handler() -> None:
    sigs = _signatures()
    twin, target = sigs["listAnimals"], sigs["listPets"]
    assert twin.operation.alias_of == "listPets"
    assert twin.operation.handler == target.operation.handler == "handlers.pets.list_pets"
    assert twin.args == target.args
    assert twin.operation.path == "/api/animals"


def test_emitted_module_runs(emitted: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The emitted module imports `generated.models`: give it the fixture's models, not the project's.
    models = support.import_file(emitted / "models.py", "golden_models_for_handler_types")
    monkeypatch.setattr(generated, "models", models)
    monkeypatch.setitem(sys.modules, "generated.models", models)
    module: ModuleType = support.import_file(emitted / "handler_types.py", "golden_handler_types")
    assert sigs_returns(module) == models.Pet
    sigs = module.SIGNATURES
    assert sigs["listAnimals"].alias_of == "listPets" and sigs["listAnimals"].paged
    assert [a.name for a in sigs["updatePet"].args] == ["pet_id", "body"]
    assert module.Paging(size=None, unbounded=True).size_text == "all"
    assert module.Paging(size=5).page_size(10) == 5


def sigs_returns(module: ModuleType) -> Any:
    return module.SIGNATURES["updatePet"].returns


def _error(project: Path) -> str:
    with pytest.raises(CodegenError) as caught:
        openapi.load(project / "spec" / "openapi")
    return str(caught.value)


def test_alias_of_an_unknown_operation(project: Path) -> None:
    def change(doc: dict[str, Any]) -> None:
        doc["paths"]["/api/animals"]["get"]["x-alias-of"] = "listCats"

    support.edit_yaml(project / "spec" / "openapi" / "pets.yaml", change)
    assert _error(project) == "GET /api/animals (pets.yaml): x-alias-of 'listCats' names no operation"


def test_alias_may_not_redeclare_the_operation(project: Path) -> None:
    def change(doc: dict[str, Any]) -> None:
        doc["paths"]["/api/animals"]["get"]["parameters"] = []

    support.edit_yaml(project / "spec" / "openapi" / "pets.yaml", change)
    assert "the rest comes from listPets, found ['parameters']" in _error(project)


def test_alias_path_parameters_must_match(project: Path) -> None:
    def change(doc: dict[str, Any]) -> None:
        doc["paths"]["/api/animals/{animalID}"] = doc["paths"].pop("/api/animals")

    support.edit_yaml(project / "spec" / "openapi" / "pets.yaml", change)
    assert "path parameters ['animalID'] differ from those of listPets (/api/pets: [])" in _error(project)


def test_unknown_paging_field(project: Path) -> None:
    def change(doc: dict[str, Any]) -> None:
        doc["components"]["parameters"]["page"]["x-paging"] = "offset"

    support.edit_yaml(project / "spec" / "openapi" / "openapi.yaml", change)
    assert "parameter 'page': x-paging must be one of ['page', 'size', 'search', 'order', 'sort'], found 'offset'" in (
        _error(project)
    )


def test_two_parameters_reaching_one_keyword(project: Path) -> None:
    def change(doc: dict[str, Any]) -> None:
        doc["paths"]["/api/pets"]["get"]["parameters"].append(
            {"name": "owner_name", "in": "query", "schema": {"type": "string"}}
        )

    support.edit_yaml(project / "spec" / "openapi" / "pets.yaml", change)
    api = openapi.load(project / "spec" / "openapi")
    with pytest.raises(CodegenError, match=r"'owner_name' and 'ownerName' both reach the handler of list"):
        handler_types.signatures(api, "")


def test_a_second_spelling_reaches_the_handler_as_the_one_it_names(project: Path) -> None:
    def change(doc: dict[str, Any]) -> None:
        doc["paths"]["/api/pets"]["get"]["parameters"].append(
            {"name": "owner_name", "in": "query", "x-spelling-of": "ownerName", "schema": {"type": "string"}}
        )

    support.edit_yaml(project / "spec" / "openapi" / "pets.yaml", change)
    api = openapi.load(project / "spec" / "openapi")
    sig = next(s for s in handler_types.signatures(api, "") if s.operation.operation_id == "listPets")
    assert [a.wire for a in sig.args if a.name == "owner_name"] == ["ownerName"]


def test_a_second_spelling_must_name_a_parameter_of_the_same_keyword(project: Path) -> None:
    def change(doc: dict[str, Any]) -> None:
        doc["paths"]["/api/pets"]["get"]["parameters"].append(
            {"name": "owner_name", "in": "query", "x-spelling-of": "limit", "schema": {"type": "string"}}
        )

    support.edit_yaml(project / "spec" / "openapi" / "pets.yaml", change)
    api = openapi.load(project / "spec" / "openapi")
    with pytest.raises(CodegenError, match=r"'owner_name' is x-spelling-of 'limit'"):
        handler_types.signatures(api, "")
