"""SDK emitter: naming, schema-to-type mapping, body kinds and argument collisions."""

from __future__ import annotations

from typing import Any

import pytest

from codegen import sdk
from codegen.ir import ApiModel, CodegenError, Operation, Parameter, RequestBody, Response

SCHEMAS: dict[str, Any] = {
    "Pet": {
        "type": "object",
        "required": ["id"],
        "properties": {"id": {"type": "integer"}, "tag": {"$ref": "#/components/schemas/Tag"}},
    },
    "Tag": {"type": "string", "enum": ["cat", "dog"]},
    "Ids": {"type": "array", "items": {"type": "string"}},
}


def _op(
    params: list[Parameter] | None = None,
    body: RequestBody | None = None,
    responses: list[Response] | None = None,
) -> Operation:
    return Operation(
        operation_id="listPets",
        method="get",
        path="/api/pets/{petID}",
        tag="pets",
        summary="List  pets",
        description="",
        security=("providerSession",),
        parameters=tuple(params or ()),
        request_body=body,
        responses=tuple(
            responses or [Response("200", "ok", ("application/json",), {"$ref": "#/components/schemas/Pet"})]
        ),
        source="pets.yaml",
    )


def _api(*ops: Operation) -> ApiModel:
    return ApiModel(
        spec={"info": {"title": "T", "version": "v1"}, "components": {"schemas": SCHEMAS}}, operations=list(ops)
    )


@pytest.mark.parametrize(
    ("schema", "expected"),
    [
        ({"type": "string", "enum": ["a", 'q"uote']}, '"a" | "q\\"uote"'),
        ({"type": "integer", "nullable": True}, "number | null"),
        ({"type": "array", "items": {"$ref": "#/components/schemas/Pet"}}, "Array<Pet>"),
        (
            {
                "allOf": [
                    {"$ref": "#/components/schemas/Pet"},
                    {"type": "object", "properties": {"x": {"type": "boolean"}}},
                ]
            },
            "(Pet & {\n  x?: boolean;\n})",
        ),
        ({"oneOf": [{"type": "string"}, {"type": "number"}]}, "(string | number)"),
        ({"type": "object", "additionalProperties": {"type": "integer"}}, "{\n  [key: string]: number;\n}"),
        ({"type": "object", "additionalProperties": True}, "{\n  [key: string]: unknown;\n}"),
        ({"type": "object"}, "Record<string, unknown>"),
        ({}, "unknown"),
        ({"type": "object", "required": ["a-b"], "properties": {"a-b": {"type": "string"}}}, '{\n  "a-b": string;\n}'),
    ],
)
def test_typescript_types(schema: dict[str, Any], expected: str) -> None:
    assert sdk.TypeMapper(SCHEMAS).typescript(schema) == expected


def test_python_types_follow_references() -> None:
    mapper = sdk.TypeMapper(SCHEMAS)
    assert mapper.python({"$ref": "#/components/schemas/Ids"}) == "Sequence[str]"
    assert mapper.python({"$ref": "#/components/schemas/Tag"}) == "str"
    assert mapper.python({"type": "object"}) == "Any"


def test_parameters_get_identifiers_and_query_types_stay_scalar() -> None:
    params = [
        Parameter("petID", "path", True, {"type": "integer"}),
        Parameter("from", "query", False, {"type": "string"}),
        Parameter("pageSize", "query", False, {"type": "integer"}),
        Parameter("filter", "query", False, {"type": "object"}),
        Parameter("kinds", "query", False, {"$ref": "#/components/schemas/Ids"}),
    ]
    (op,) = sdk.build(_api(_op(params)))
    assert [(p.py_name, p.ts_name) for p in op.query_params] == [
        ("from_", "from"),
        ("page_size", "pageSize"),
        ("filter", "filter"),
        ("kinds", "kinds"),
    ]
    assert [p.ts_type for p in op.query_params] == ["string", "number", "string", "Array<string>"]
    assert op.py_path == "/api/pets/{_quote(pet_id)}"
    assert op.ts_path == "/api/pets/${encodeURIComponent(String(petId))}"
    assert op.ts_result == "Pet" and op.summary == "List pets"


def test_colliding_arguments_are_refused() -> None:
    params = [Parameter("pageSize", "query", False, {}), Parameter("page_size", "query", False, {})]
    with pytest.raises(CodegenError, match=r"listPets: parameters 'pageSize' and 'page_size'"):
        sdk.build(_api(_op(params)))


@pytest.mark.parametrize(
    ("media", "kind"),
    [
        ("application/json", "json"),
        ("multipart/form-data", "form"),
        ("text/plain", "content"),
        ("application/x-yaml", "content"),
    ],
)
def test_body_kind_follows_the_first_media_type(media: str, kind: str) -> None:
    (op,) = sdk.build(_api(_op(body=RequestBody(True, (media,), {}))))
    assert (op.body_kind, op.body_media_type, op.body_required) == (kind, media, True)


def test_results_of_several_success_answers_are_a_union() -> None:
    responses = [
        Response("200", "", ("text/plain",), {"type": "string"}),
        Response("204", "", (), None),
        Response("201", "", ("application/octet-stream",), None),
        Response("400", "", ("application/json",), {}),
    ]
    (op,) = sdk.build(_api(_op(responses=responses)))
    assert op.ts_result == "string | void | Blob"
