"""Answer emitter: schema translation, x-also-as twins, and the emitted module run for real."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from pydantic import TypeAdapter, ValidationError

from codegen import answers
from codegen.ir import ApiModel, CodegenError, Operation, Response
from codegen.render import header
from tests.codegen import support

SCHEMAS: dict[str, Any] = {
    "Pet": {
        "type": "object",
        "required": ["id", "createdAt"],
        "properties": {
            "id": {"type": "integer"},
            "tag": {"$ref": "#/components/schemas/Tag"},
            "createdAt": {"type": "string", "format": "date-time", "x-also-as": "created_at"},
            "owner": {"$ref": "#/components/schemas/Owner"},
            "json": {"type": "string"},
        },
    },
    "Owner": {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "name": {"type": "string", "nullable": True},
            "friends": {"type": "array", "items": {"$ref": "#/components/schemas/Owner"}},
        },
    },
    "Tag": {"type": "string", "enum": ["cat", "dog"]},
    "Either": {"oneOf": [{"type": "string"}, {"type": "integer"}]},
}


def _api(responses: list[Response], schemas: dict[str, Any] | None = None) -> ApiModel:
    doc = answers.expand_also_as({"components": {"schemas": json.loads(json.dumps(schemas or SCHEMAS))}})
    op = Operation(
        operation_id="listPets",
        method="GET",
        path="/api/pets",
        tag="pets",
        summary="",
        description="",
        security=(),
        parameters=(),
        request_body=None,
        responses=tuple(responses),
        source="pets.yaml",
    )
    return ApiModel(spec=doc, operations=[op])


def _json(schema: dict[str, Any], status: str = "200") -> Response:
    return Response(status, "ok", ("application/json",), schema)


def test_component_refs_keep_their_names_and_inline_objects_are_named_after_the_operation() -> None:
    module = answers.build(
        _api(
            [
                _json({"$ref": "#/components/schemas/Pet"}),
                _json({"type": "object", "properties": {"n": {"type": "integer"}}}, "201"),
            ]
        )
    )
    assert [(a.operation_id, a.status, a.type) for a in module.answers] == [
        ("listPets", 200, "Pet"),
        ("listPets", 201, "ListPets201"),
    ]
    pet = next(c for c in module.classes if c.name == "Pet")
    fields = {f.wire: f for f in pet.fields}
    assert fields["createdAt"].name == "created_at" and fields["createdAt"].type == "WireTime"
    assert fields["createdAt"].also_as == "created_at"
    assert "created_at" not in fields, "the twin is emitted by the serializer, not declared twice"
    assert fields["tag"].type == "Literal['cat', 'dog']"
    assert fields["json"].name == "json_", "BaseModel attributes are never shadowed"
    owner = next(c for c in module.classes if c.name == "Owner")
    assert owner.extra == "forbid"
    assert {f.wire: f.type for f in owner.fields} == {"name": "str | None", "friends": "list[Owner]"}


def test_schemas_the_emitter_cannot_express_exactly_are_any_never_stricter() -> None:
    module = answers.build(_api([_json({"$ref": "#/components/schemas/Either"})]))
    assert module.answers[0].type == "Any"


def test_statuses_without_a_json_schema_have_no_answer_type() -> None:
    module = answers.build(
        _api([Response("200", "ok", ("text/plain",), {"type": "string"}), Response("204", "none", (), None)])
    )
    assert module.answers == []


def test_also_as_adds_the_twin_to_the_served_document() -> None:
    doc = answers.expand_also_as({"components": {"schemas": json.loads(json.dumps(SCHEMAS))}})
    pet = doc["components"]["schemas"]["Pet"]
    assert pet["properties"]["created_at"]["x-twin-of"] == "createdAt"
    assert pet["properties"]["created_at"]["format"] == "date-time"
    assert "created_at" in pet["required"]


def test_also_as_refuses_a_name_that_is_already_a_property() -> None:
    schemas = {
        "A": {"type": "object", "properties": {"a": {"type": "string", "x-also-as": "b"}, "b": {"type": "string"}}}
    }
    with pytest.raises(CodegenError, match="'b' is already a property"):
        answers.expand_also_as({"components": {"schemas": schemas}})
    with pytest.raises(CodegenError, match="must be a property name"):
        answers.expand_also_as(
            {"components": {"schemas": {"A": {"type": "object", "properties": {"a": {"x-also-as": 3}}}}}}
        )


@pytest.fixture(scope="module")
def emitted(tmp_path_factory: pytest.TempPathFactory) -> Any:
    api = _api(
        [
            _json({"$ref": "#/components/schemas/Pet"}),
            _json({"type": "array", "items": {"$ref": "#/components/schemas/Pet"}}, "201"),
        ]
    )
    path: Path = tmp_path_factory.mktemp("answers") / "answers_under_test.py"
    path.write_text(answers.emit(api, header("test", {"x": "y"})), encoding="utf-8")
    return support.import_file(path, "answers_under_test")


def _encode(module: Any, status: int, value: Any) -> Any:
    adapter: TypeAdapter[Any] = TypeAdapter(module.ANSWERS[("listPets", status)])
    return json.loads(
        adapter.dump_json(adapter.validate_python(value, from_attributes=True), by_alias=True, exclude_unset=True)
    )


def test_emitted_encoder_writes_wire_names_twins_and_go_timestamps(emitted: Any) -> None:
    born = datetime(2024, 5, 1, 12, 0, 0, 250000, tzinfo=timezone(timedelta(hours=2)))
    out = _encode(emitted, 200, {"id": 7, "created_at": born, "owner": {"name": None}})
    assert out == {
        "id": 7,
        "createdAt": "2024-05-01T10:00:00.250000Z",
        "created_at": "2024-05-01T10:00:00.250000Z",
        "owner": {"name": None},
    }
    assert "tag" not in out, "what the handler did not set stays off the wire"


def test_emitted_encoder_reads_objects_by_attribute_and_keeps_unknown_keys_of_open_objects(emitted: Any) -> None:
    class Row:
        id = 1
        createdAt = "0001-01-01T00:00:00Z"  # a wire name given as is

    assert _encode(emitted, 201, [Row()]) == [
        {"id": 1, "createdAt": "0001-01-01T00:00:00Z", "created_at": "0001-01-01T00:00:00Z"}
    ]
    out = _encode(emitted, 200, {"id": 1, "createdAt": datetime(2024, 1, 1), "extra": [1]})
    assert out["extra"] == [1] and out["createdAt"] == "2024-01-01T00:00:00Z"


@pytest.mark.parametrize(
    "value",
    [
        {"id": "seven", "createdAt": datetime.now(UTC)},
        {"id": 1},
        {"id": 1, "createdAt": "yesterday"},
        {"id": 1, "createdAt": datetime.now(UTC), "tag": "cow"},
        {"id": 1, "createdAt": datetime.now(UTC), "owner": {"nick": "x"}},
    ],
)
def test_emitted_encoder_refuses_values_that_do_not_fit(emitted: Any, value: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        _encode(emitted, 200, value)


def test_wire_time_is_rfc3339_in_utc_with_z_the_same_as_the_encoder(emitted: Any) -> None:
    assert emitted.wire_time(datetime(1, 1, 1)) == "0001-01-01T00:00:00Z"
    assert emitted.wire_time(datetime(2024, 1, 2, 3, 4, 5, 120000, tzinfo=UTC)) == "2024-01-02T03:04:05.120000Z"
    for value in (datetime(2024, 1, 2, 3, 4, 5, 120000), datetime(2024, 1, 2, tzinfo=timezone(timedelta(hours=-5)))):
        encoded = _encode(emitted, 200, {"id": 1, "createdAt": value})["createdAt"]
        assert encoded == emitted.wire_time(value)
