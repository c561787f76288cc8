"""Second spellings of body fields (``meshery.spellings``): folded once, declared in the spec."""

from __future__ import annotations

from typing import Any

import pytest

from meshery import spellings

SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "credential_id": {"type": "string"},
        "credentialId": {"allOf": [{"type": "string"}], "x-spelling-of": "credential_id"},
        "grafana": {
            "type": "object",
            "properties": {
                "grafanaURL": {"type": "string"},
                "grafanaUrl": {"type": "string", "x-spelling-of": "grafanaURL"},
            },
        },
        "items": {
            "type": "array",
            "items": {"allOf": [{"properties": {"sub_type": {}, "subType": {"x-spelling-of": "sub_type"}}}]},
        },
        "plain": {"type": "object", "properties": {"a": {"type": "string"}}},
    },
}


def test_only_the_second_spelling_moves_to_the_first() -> None:
    fold = spellings.plan(SCHEMA)
    assert fold is not None
    body = {"credentialId": "c1", "grafana": {"grafanaUrl": "http://g"}, "items": [{"subType": "x"}, {"sub_type": "y"}]}
    assert fold.apply(body) == {
        "credential_id": "c1",
        "grafana": {"grafanaURL": "http://g"},
        "items": [{"sub_type": "x"}, {"sub_type": "y"}],
    }


def test_the_first_spelling_wins_unless_it_is_null() -> None:
    fold = spellings.plan(SCHEMA)
    assert fold is not None
    assert fold.apply({"credential_id": "a", "credentialId": "b"}) == {"credential_id": "a"}
    assert fold.apply({"credential_id": None, "credentialId": "b"}) == {"credential_id": "b"}
    assert fold.apply({"plain": {"a": "1"}, "grafana": None, "items": None}) == {
        "plain": {"a": "1"},
        "grafana": None,
        "items": None,
    }
    assert fold.apply(["not", "an", "object"]) == ["not", "an", "object"]


def test_schemas_without_spellings_need_no_fold() -> None:
    assert spellings.plan({"type": "object", "properties": {"a": {"type": "string"}}}) is None
    assert spellings.plan(None) is None


@pytest.mark.parametrize("first", ["missing", "credentialId"])
def test_a_spelling_of_no_other_property_is_an_error_of_the_spec(first: str) -> None:
    schema = {"properties": {"credentialId": {"x-spelling-of": first}}}
    with pytest.raises(spellings.SpellingError, match="credentialId"):
        spellings.plan(schema, where="createConnection request body")
