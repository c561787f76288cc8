"""The OpenAPI loader: bundling the split files, the IR, and invalid sources."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from codegen import openapi
from codegen.ir import CodegenError
from tests.codegen import support

SPEC = support.FIXTURE / "spec" / "openapi"


def _spec_dir(project: Path) -> Path:
    return project / "spec" / "openapi"


def _error(project: Path) -> str:
    with pytest.raises(CodegenError) as info:
        openapi.load(_spec_dir(project))
    return str(info.value)


# --- the fixture loads -------------------------------------------------------


def test_operations_are_sorted_by_tag_path_and_method() -> None:
    api = openapi.load(SPEC)
    assert [op.operation_id for op in api.operations] == ["listAnimals", "listPets", "updatePet", "getSystemVersion"]
    assert [t.name for t in api.tags] == ["pets", "system"]
    assert (api.title, api.version) == ("Fixture Server API", "v0.0.1")
    assert sorted(Path(p).name for p in api.sources) == ["openapi.yaml", "pets.yaml", "system.yaml"]


def test_public_operation_and_query_parameter() -> None:
    ops = {op.operation_id: op for op in openapi.load(SPEC).operations}
    listing = ops["listPets"]
    assert (listing.method, listing.path, listing.tag, listing.source) == ("GET", "/api/pets", "pets", "pets.yaml")
    assert listing.public and listing.security == ()
    assert listing.handler == "handlers.pets.list_pets"
    page, size, param, species, vaccinated = listing.parameters
    assert (param.name, param.location, param.required) == ("ownerName", "query", False)
    assert (page.paging, size.paging, param.paging) == ("page", "size", None) and listing.paged
    assert (species.group, species.group_field, vaccinated.group_field) == ("PetFilter", "species", "vaccinated")
    assert (param.group, page.group) == (None, None) and listing.groups == ("PetFilter",)
    assert listing.request_body is None


def test_session_operation_with_path_parameter_and_json_body() -> None:
    ops = {op.operation_id: op for op in openapi.load(SPEC).operations}
    update = ops["updatePet"]
    assert not update.public
    assert update.security == ("session",), "the root's default security applies"
    # The path-level parameter is a $ref into the root file's components.
    [param] = update.parameters
    assert (param.name, param.location, param.required) == ("petID", "path", True)
    assert param.schema == {"type": "string", "pattern": "^[a-z0-9-]+$"}
    assert update.request_body is not None
    assert update.request_body.required
    assert update.request_body.media_types == ("application/json",)
    assert update.request_body.schema == {"$ref": "#/components/schemas/Pet"}
    statuses = {r.status: r for r in update.responses}
    assert list(statuses) == ["200", "404"]
    # Response $refs are resolved for the docs; schemas stay references.
    assert statuses["404"].description == "No such resource."
    assert statuses["404"].schema == {"$ref": "#/components/schemas/Problem"}


def test_components_of_every_file_are_merged() -> None:
    api = openapi.load(SPEC)
    assert list(api.schemas) == ["Problem", "Pet", "PetKind", "SystemVersion"]
    assert list(api.security_schemes) == ["session"]
    assert list(api.spec["paths"]) == ["/api/pets", "/api/animals", "/api/pets/{petID}", "/api/system/version"]


def test_strip_private_removes_the_source_markers_without_touching_the_model() -> None:
    api = openapi.load(SPEC)
    clean = openapi.strip_private(api.spec)
    assert "x-source" not in str(clean)
    assert api.spec["paths"]["/api/pets"]["get"]["x-source"] == "pets.yaml"


# --- invalid sources -------------------------------------------------------------


def test_response_without_description(project: Path) -> None:
    def change(doc: dict[str, Any]) -> None:
        del doc["paths"]["/api/system/version"]["get"]["responses"]["200"]["description"]

    support.edit_yaml(_spec_dir(project) / "system.yaml", change)
    message = _error(project)
    # The meta-schema's anyOf (Response | Reference) hides the missing key;
    # the location names the culprit.
    assert message.startswith("invalid OpenAPI document at paths//api/system/version/get/responses/200: ")
    assert "SystemVersion" in message


def test_openapi_3_1_is_rejected(project: Path) -> None:
    support.edit_yaml(_spec_dir(project) / "openapi.yaml", lambda doc: doc.update(openapi="3.1.0"))
    assert _error(project) == "openapi version '3.1.0': write OpenAPI 3.0.x (Connexion 3 rejects 3.1)"


def test_duplicate_operation_id_across_area_files(project: Path) -> None:
    def change(doc: dict[str, Any]) -> None:
        doc["paths"]["/api/system/version"]["get"]["operationId"] = "listPets"

    support.edit_yaml(_spec_dir(project) / "system.yaml", change)
    # openapi-spec-validator sees the duplicate before codegen's own check.
    assert _error(project) == (
        "invalid OpenAPI document at (root): Operation ID 'listPets' for 'get' in '/api/system/version' is not unique"
    )


def test_missing_operation_id(project: Path) -> None:
    def change(doc: dict[str, Any]) -> None:
        del doc["paths"]["/api/pets/{petID}"]["put"]["operationId"]

    support.edit_yaml(_spec_dir(project) / "pets.yaml", change)
    assert _error(project) == "PUT /api/pets/{petID} (pets.yaml): operationId is missing"


def test_operation_without_tag(project: Path) -> None:
    def change(doc: dict[str, Any]) -> None:
        del doc["paths"]["/api/system/version"]["get"]["tags"]

    support.edit_yaml(_spec_dir(project) / "system.yaml", change)
    assert _error(project) == (
        "GET /api/system/version (system.yaml): exactly one tag (its API area) is required, found []"
    )


def test_operation_with_two_tags(project: Path) -> None:
    def change(doc: dict[str, Any]) -> None:
        doc["paths"]["/api/system/version"]["get"]["tags"] = ["system", "pets"]

    support.edit_yaml(_spec_dir(project) / "system.yaml", change)
    assert "exactly one tag (its API area) is required, found ['system', 'pets']" in _error(project)


def test_operation_with_undeclared_tag(project: Path) -> None:
    def change(doc: dict[str, Any]) -> None:
        doc["paths"]["/api/system/version"]["get"]["tags"] = ["meta"]

    support.edit_yaml(_spec_dir(project) / "system.yaml", change)
    assert _error(project) == "GET /api/system/version (system.yaml): tag 'meta' is not declared in any tags list"


def test_tag_that_is_no_module_name(project: Path) -> None:
    def change(doc: dict[str, Any]) -> None:
        doc["tags"][0]["name"] = "2system"
        doc["paths"]["/api/system/version"]["get"]["tags"] = ["2system"]

    support.edit_yaml(_spec_dir(project) / "system.yaml", change)
    assert _error(project) == "tag '2system' does not make a valid Python module name"


def test_tag_declared_in_two_files(project: Path) -> None:
    support.edit_yaml(_spec_dir(project) / "system.yaml", lambda doc: doc["tags"].append({"name": "pets"}))
    message = _error(project)
    assert message.endswith("system.yaml: tag 'pets' is declared twice")


def test_same_path_in_two_files(project: Path) -> None:
    def change(doc: dict[str, Any]) -> None:
        doc["paths"]["/api/pets"] = doc["paths"].pop("/api/system/version")

    support.edit_yaml(_spec_dir(project) / "system.yaml", change)
    message = _error(project)
    assert message.endswith("system.yaml: path /api/pets is already declared in pets.yaml")
    assert str(_spec_dir(project)) in message


def test_same_component_in_two_area_files(project: Path) -> None:
    def change(doc: dict[str, Any]) -> None:
        doc["components"]["schemas"]["Pet"] = {"type": "object"}

    support.edit_yaml(_spec_dir(project) / "system.yaml", change)
    assert _error(project).endswith("system.yaml: components/schemas/Pet is already declared in pets.yaml")


def test_area_component_shadowing_the_root_file(project: Path) -> None:
    def change(doc: dict[str, Any]) -> None:
        doc["components"]["responses"] = {"NotFound": {"description": "other"}}

    support.edit_yaml(_spec_dir(project) / "pets.yaml", change)
    assert _error(project).endswith("pets.yaml: components/responses/NotFound is already declared in openapi.yaml")


def test_area_file_with_unknown_top_level_key(project: Path) -> None:
    support.edit_yaml(_spec_dir(project) / "pets.yaml", lambda doc: doc.update(info={"title": "x"}))
    assert _error(project).endswith(
        "pets.yaml: only ['components', 'paths', 'tags'] may appear in an area file, found ['info']"
    )


def test_two_operation_ids_with_one_function_name(project: Path) -> None:
    def change(doc: dict[str, Any]) -> None:
        doc["paths"]["/api/system/version"]["post"] = {
            "operationId": "GetSystemVersion",
            "tags": ["system"],
            "responses": {"200": {"description": "ok"}},
        }

    support.edit_yaml(_spec_dir(project) / "system.yaml", change)
    assert _error(project) == (
        "POST /api/system/version (system.yaml): operationId 'GetSystemVersion' and 'getSystemVersion' "
        "map to the same handler function get_system_version"
    )


def test_same_function_name_in_two_areas_is_allowed(project: Path) -> None:
    def change(doc: dict[str, Any]) -> None:
        doc["paths"]["/api/pets"]["get"]["operationId"] = "GetSystemVersion"
        del doc["paths"]["/api/animals"]["get"]["x-alias-of"]
        doc["paths"]["/api/animals"]["get"].update(tags=["pets"], security=[], responses={"200": {"description": "ok"}})
        doc["paths"]["/api/animals"]["get"]["operationId"] = "listPets"

    support.edit_yaml(_spec_dir(project) / "pets.yaml", change)
    handlers = sorted(op.handler for op in openapi.load(_spec_dir(project)).operations)
    assert handlers == [
        "handlers.pets.get_system_version",
        "handlers.pets.list_pets",
        "handlers.pets.update_pet",
        "handlers.system.get_system_version",
    ]


def test_missing_root_file(project: Path) -> None:
    (_spec_dir(project) / "openapi.yaml").unlink()
    assert _error(project).endswith("openapi.yaml: the OpenAPI root file is missing")


def test_area_file_that_is_not_yaml(project: Path) -> None:
    (_spec_dir(project) / "broken.yaml").write_text("paths: [unclosed\n", encoding="utf-8")
    assert "broken.yaml: not valid YAML" in _error(project)


def test_area_file_that_is_not_a_mapping(project: Path) -> None:
    (_spec_dir(project) / "list.yaml").write_text("- a\n- b\n", encoding="utf-8")
    assert _error(project).endswith("list.yaml: expected a mapping at the top level")


def test_ref_to_a_missing_component(project: Path) -> None:
    def change(doc: dict[str, Any]) -> None:
        doc["components"]["schemas"]["Pet"]["properties"]["kind"] = {"$ref": "#/components/schemas/Kind"}

    support.edit_yaml(_spec_dir(project) / "pets.yaml", change)
    assert _error(project) == "invalid OpenAPI document: $ref '#/components/schemas/Kind' points to nothing"


def test_ref_to_another_file(project: Path) -> None:
    def change(doc: dict[str, Any]) -> None:
        doc["components"]["schemas"]["Pet"]["properties"]["kind"] = {"$ref": "kinds.yaml#/Kind"}

    support.edit_yaml(_spec_dir(project) / "pets.yaml", change)
    assert _error(project) == "invalid OpenAPI document: $ref 'kinds.yaml#/Kind' points to nothing"


def test_operation_without_security_declaration_is_rejected(tmp_path: Path) -> None:
    """Every operation states its access; the root default is not enough."""
    project = support.copy_fixture(tmp_path / "project")
    area = _spec_dir(project) / "pets.yaml"
    area.write_text(area.read_text().replace("      security:\n        - session: []\n", "", 1))
    message = _error(project)
    assert "PUT /api/pets/{petID} (pets.yaml)" in message and "declare `security`" in message


def test_unauthenticated_behaviour_is_read_and_checked(tmp_path: Path) -> None:
    """``x-unauthenticated: redirect`` marks pages; any other value names the operation."""
    project = support.copy_fixture(tmp_path / "project")
    area = _spec_dir(project) / "pets.yaml"

    def mark(value: str) -> None:
        def change(doc: dict[str, Any]) -> None:
            doc["paths"]["/api/pets/{petID}"]["put"]["x-unauthenticated"] = value

        support.edit_yaml(area, change)

    mark("redirect")
    ops = {op.operation_id: op for op in openapi.load(_spec_dir(project)).operations}
    assert ops["updatePet"].unauthenticated == "redirect"
    assert ops["listPets"].unauthenticated == "error"
    mark("login")
    message = _error(project)
    assert "PUT /api/pets/{petID} (pets.yaml)" in message and "x-unauthenticated" in message
