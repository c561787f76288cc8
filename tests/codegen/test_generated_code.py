"""Import and run the code emitted for the fixture project.

The emitted modules are imported from the session's tmp tree under unique
names (``codegen_fixture_<module>``) so they never shadow the project's own
``generated`` package. The gRPC stubs import ``generated.<pkg>`` by absolute
name, so they run in a subprocess whose working directory is the tmp tree.
"""

from __future__ import annotations

import json
import py_compile
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pydantic
import pytest
from graphql import GraphQLNonNull, GraphQLObjectType, build_schema

from tests.codegen import support


@pytest.fixture(scope="module")
def modules(emitted: Path) -> Iterator[dict[str, ModuleType]]:
    names = ("operations", "graphql_schema", "errors", "models")
    loaded = {name: support.import_file(emitted / f"{name}.py", f"codegen_fixture_{name}") for name in names}
    yield loaded
    for module in loaded.values():
        del sys.modules[module.__name__]


# --- operations.py ---------------------------------------------------------------


def test_operations_table(modules: dict[str, ModuleType]) -> None:
    ops = modules["operations"].OPERATIONS
    assert list(ops) == ["listAnimals", "listPets", "updatePet", "getSystemVersion"]
    assert ops["listAnimals"].handler == "handlers.pets.list_pets", "an x-alias-of twin is served by its target"
    listing, update, version = ops["listPets"], ops["updatePet"], ops["getSystemVersion"]
    assert (listing.method, listing.path, listing.tag) == ("GET", "/api/pets", "pets")
    assert listing.handler == "handlers.pets.list_pets"
    assert listing.public is True and listing.security == ()
    assert (update.method, update.path) == ("PUT", "/api/pets/{petID}")
    assert update.handler == "handlers.pets.update_pet"
    assert update.public is False and update.security == ("session",)
    assert version.handler == "handlers.system.get_system_version"
    assert version.public is True
    assert all(op.operation_id == key for key, op in ops.items())
    assert modules["operations"].HANDLER_MODULES == ("handlers.pets", "handlers.system")


def test_operations_are_frozen(modules: dict[str, ModuleType]) -> None:
    op = modules["operations"].OPERATIONS["listPets"]
    with pytest.raises(AttributeError):
        op.public = False


# --- errors.py -------------------------------------------------------------------


def test_error_envelope_with_detail_and_long_description(modules: dict[str, ModuleType]) -> None:
    errors = modules["errors"]
    exc = errors.ErrPetNotFound("no pet with id 7")
    assert isinstance(exc, errors.MesheryError)
    assert exc.status == 404
    assert str(exc) == "Pet not found: no pet with id 7"
    assert exc.envelope() == {
        "error": "Pet not found: no pet with id 7",
        "code": "fixture-server-1001",
        "severity": "ERROR",
        "probableCause": ["No pet has this id."],
        "suggestedRemediation": ["List the pets and use one of their ids."],
        "longDescription": ["Pets are looked up by id."],
    }


def test_error_envelope_leaves_out_empty_lists(modules: dict[str, ModuleType]) -> None:
    body = modules["errors"].ErrPetInvalid().envelope()
    assert body["error"] == "Pet failed validation"
    assert "longDescription" not in body
    assert body["probableCause"] == ["The body does not match the Pet schema."]


def test_error_extra_details_come_first_and_blanks_are_dropped(modules: dict[str, ModuleType]) -> None:
    exc = modules["errors"].ErrPetInvalid(
        "name is empty", cause=["`name` is ''.", " ", "None"], remedy=[""], long=["Seen at /api/pets."], status=422
    )
    body = exc.envelope()
    assert body["probableCause"] == ["`name` is ''.", "The body does not match the Pet schema."]
    assert body["suggestedRemediation"] == ["Send a body that matches the Pet schema."]
    assert body["longDescription"] == ["Seen at /api/pets."]
    assert exc.status == 422


def test_error_without_http_status_is_a_500(modules: dict[str, ModuleType]) -> None:
    errors = modules["errors"]
    exc = errors.ErrStartup(headers={"Retry-After": "5"})
    assert (exc.status, exc.severity, exc.headers) == (500, "FATAL", {"Retry-After": "5"})
    assert exc.envelope()["severity"] == "FATAL"
    assert errors.COMPONENT == "fixture-server"
    by_code = {code: cls.__name__ for code, cls in errors.BY_CODE.items()}
    assert by_code == {
        "fixture-server-1001": "ErrPetNotFound",
        "fixture-server-1002": "ErrPetInvalid",
        "fixture-server-1003": "ErrStartup",
    }
    with pytest.raises(errors.MesheryError, match="Server cannot start: no database"):
        raise errors.ErrStartup("no database")


# --- models.py -------------------------------------------------------------------


def test_models_validate_by_alias_and_by_name(modules: dict[str, ModuleType]) -> None:
    models = modules["models"]
    pet = models.Pet.model_validate({"name": "Rex", "ownerName": "ann", "kind": "dog"})
    assert (pet.name, pet.owner_name, pet.kind) == ("Rex", "ann", models.PetKind.dog)
    assert models.Pet(name="Rex", owner_name="ann") == models.Pet.model_validate({"name": "Rex", "ownerName": "ann"})
    dumped = pet.model_dump(by_alias=True, mode="json", exclude_none=True)
    assert dumped == {"name": "Rex", "ownerName": "ann", "kind": "dog"}


def test_models_reject_what_the_schema_rejects(modules: dict[str, ModuleType]) -> None:
    models = modules["models"]
    with pytest.raises(pydantic.ValidationError) as info:
        models.Pet.model_validate({"name": "", "kind": "fish"})
    failed = {(err["loc"][0], err["type"]) for err in info.value.errors()}
    assert failed == {("name", "string_too_short"), ("ownerName", "missing"), ("kind", "enum")}


def test_models_reference_each_other_across_area_files(modules: dict[str, ModuleType]) -> None:
    models = modules["models"]
    version = models.SystemVersion.model_validate({"build": "v1", "favouritePet": {"name": "Tom", "ownerName": "bo"}})
    assert isinstance(version.favourite_pet, models.Pet)
    assert version.release_channel is None
    problem = models.Problem.model_validate({"error": "e", "code": "c", "probableCause": ["x"]})
    assert problem.probable_cause == ["x"]


# --- graphql_schema.py -------------------------------------------------------------


def test_sdl_builds_and_root_fields_match_it(modules: dict[str, ModuleType]) -> None:
    gql = modules["graphql_schema"]
    schema = build_schema(gql.SDL)
    roots: dict[str, GraphQLObjectType | None] = {
        "Query": schema.query_type,
        "Subscription": schema.subscription_type,
    }
    declared = set()
    for type_name, root in roots.items():
        assert root is not None
        declared |= {(type_name, name, tuple(field.args)) for name, field in root.fields.items()}
    assert {(f.type_name, f.name, tuple(arg for arg, _ in f.args)) for f in gql.ROOT_FIELDS} == declared
    assert schema.mutation_type is None
    pets = schema.query_type.fields["pets"] if schema.query_type else None
    assert pets is not None and isinstance(pets.type, GraphQLNonNull)
    assert {name: str(arg.type) for name, arg in pets.args.items()} == {"ownerName": "String", "firstN": "Int"}


def test_root_field_handlers(modules: dict[str, ModuleType]) -> None:
    gql = modules["graphql_schema"]
    assert [(f.name, f.handler, f.args) for f in gql.ROOT_FIELDS] == [
        ("pets", "handlers.pets.resolve_pets", (("ownerName", "owner_name"), ("firstN", "first_n"))),
        ("petAdded", "handlers.pets.subscribe_pet_added", (("kind", "kind"),)),
        ("subscribePetEvents", "handlers.pets.subscribe_pet_events", ()),
    ]
    assert gql.RESOLVER_MODULES == ("handlers.pets",)


# --- every file ------------------------------------------------------------------


def test_every_emitted_file_carries_the_header(emitted: Path) -> None:
    for name in support.tree(emitted):
        text = (emitted / name).read_text(encoding="utf-8")
        if name.endswith(".json"):  # JSON has no comments: a key says it
            doc = json.loads(text)
            # The OpenAPI document keeps its own description: an extension key holds the header.
            marker = doc["x-generated"] if name == "openapi.json" else doc["description"]
            assert "do not edit, run `make generate`." in marker, name
            continue
        comment = "//" if name.endswith(".ts") else "#"
        first = text.splitlines()[0]
        assert first.startswith(f"{comment} Generated by codegen from "), name
        assert first.endswith("; do not edit, run `make generate`."), name
    headers = {
        name: text.decode().split(" (sha256")[0]
        for name, text in support.tree(emitted).items()
        if not name.endswith(".json")
    }
    assert headers["operations.py"] == "# Generated by codegen from spec/openapi"
    assert headers["graphql_schema.py"] == "# Generated by codegen from spec/graphql"
    assert headers["errors.py"] == "# Generated by codegen from spec/errors.yaml"
    assert headers["pets/pets_pb2_grpc.py"] == "# Generated by codegen from protos"
    assert headers["sdk/typescript/meshery-client.ts"] == "// Generated by codegen from spec/openapi"


def test_every_emitted_python_file_compiles(emitted: Path, tmp_path: Path) -> None:
    for name in support.tree(emitted):
        if name.endswith((".py", ".pyi")):
            py_compile.compile(str(emitted / name), cfile=str(tmp_path / "out.pyc"), doraise=True)


def test_grpc_stubs_serve_and_call(emitted: Path) -> None:
    script = textwrap.dedent(
        """
        from concurrent import futures

        import grpc

        import generated
        from generated.pets import pets_pb2, pets_pb2_grpc

        class Pets(pets_pb2_grpc.PetServiceServicer):
            def GetPet(self, request, context):
                return pets_pb2.PetReply(name="pet " + request.id)

        server = grpc.server(futures.ThreadPoolExecutor(max_workers=1))
        pets_pb2_grpc.add_PetServiceServicer_to_server(Pets(), server)
        port = server.add_insecure_port("127.0.0.1:0")
        server.start()
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            reply = pets_pb2_grpc.PetServiceStub(channel).GetPet(pets_pb2.PetRequest(id="7"), timeout=10)
        server.stop(None)
        print(generated.__file__)
        print(reply.name)
        """
    )
    proc = subprocess.run(
        [sys.executable, "-c", script],
        cwd=emitted.parent,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    module_file, name = proc.stdout.splitlines()
    assert Path(module_file) == emitted / "__init__.py", "the stubs must come from the emitted tree"
    assert name == "pet 7"
