"""Python SDK result types: TypedDicts of the answer models, one result type per method."""

from __future__ import annotations

from codegen import sdk_types
from codegen.ir import Response
from tests.codegen.test_answers import _api, _json


def test_each_answer_model_is_a_typed_dict_with_wire_keys_and_both_spellings() -> None:
    types = sdk_types.build(_api([_json({"$ref": "#/components/schemas/Pet"})]))
    pet = next(d for d in types.dicts if d.name == "Pet")
    keys = {k.wire: k.type for k in pet.keys}
    assert keys["createdAt"] == keys["created_at"] == "WireTime"
    assert keys["tag"] == "Literal['cat', 'dog'] | None"
    assert types.results == {"listPets": "Pet"}


def test_a_method_with_a_non_json_or_several_success_answers_returns_any() -> None:
    mixed = _api([_json({"$ref": "#/components/schemas/Pet"}), Response("204", "gone", (), None)])
    assert sdk_types.build(mixed).results == {}
    several = _api([_json({"$ref": "#/components/schemas/Pet"}), _json({"type": "string"}, "201")])
    assert sdk_types.build(several).results == {}


def test_an_answer_model_named_like_an_sdk_name_is_renamed_everywhere() -> None:
    schemas = {"Client": {"type": "object", "properties": {"id": {"type": "string"}}}}
    types = sdk_types.build(_api([_json({"type": "array", "items": {"$ref": "#/components/schemas/Client"}})], schemas))
    assert [d.name for d in types.dicts] == ["ClientAnswer"]
    assert types.results == {"listPets": "list[ClientAnswer]"}
