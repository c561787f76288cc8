"""codegen.forms: x-forms entries -> RJSF form schemas, and the clean errors of bad entries."""

from __future__ import annotations

from typing import Any

import pytest

from codegen import forms
from codegen.ir import CodegenError


def spec(x_forms: dict[str, Any]) -> dict[str, Any]:
    """A small bundled document: one operation with a JSON body, one declaring the forms."""
    return {
        "paths": {
            "/things": {
                "post": {
                    "operationId": "saveThing",
                    "requestBody": {
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ThingPayload"}}}
                    },
                },
            },
            "/forms/{name}": {"get": {"operationId": "getForm", "x-forms": x_forms}},
        },
        "components": {
            "schemas": {
                "Id": {"type": "string", "format": "uuid", "x-go-type": "uuid"},
                "ThingPayload": {
                    "type": "object",
                    "required": ["name", "owner"],
                    "properties": {
                        "name": {"type": "string", "maxLength": 10, "x-also-as": "Name"},
                        "Name": {"type": "string", "x-twin-of": "name"},
                        "owner": {"$ref": "#/components/schemas/Id"},
                        "created_at": {"type": "string", "readOnly": True},
                        "pattern_caveats": {"type": "string"},
                    },
                    "additionalProperties": True,
                },
                "Loop": {"type": "object", "properties": {"next": {"$ref": "#/components/schemas/Loop"}}},
            }
        },
    }


def test_a_form_from_an_operations_request_body() -> None:
    built = forms.collect(spec({"thing": {"request": "saveThing", "ui": {"name": {"ui:autofocus": True}}}}))
    form = built["thing"]
    schema = form["rjsfSchema"]
    assert schema["title"] == "Thing"
    assert list(schema["properties"]) == ["name", "owner", "pattern_caveats"]  # no twin, no readOnly field
    assert schema["properties"]["name"] == {"type": "string", "maxLength": 10, "title": "Name"}
    assert schema["properties"]["owner"] == {"type": "string", "format": "uuid", "title": "Owner"}  # $ref resolved
    assert schema["properties"]["pattern_caveats"]["title"] == "Pattern caveats"
    assert schema["required"] == ["name", "owner"]
    assert "additionalProperties" not in schema
    assert form["uiSchema"] == {"ui:order": ["name", "owner", "pattern_caveats"], "name": {"ui:autofocus": True}}


def test_fields_titles_enums_and_defaults() -> None:
    entry = {
        "schema": "ThingPayload",
        "title": "A thing",
        "description": "Shown under the title.",
        "fields": ["pattern_caveats", "name"],
        "titles": {"name": "Thing name"},
        "enums": {"name": ["a", "b"]},
        "defaults": {"name": "a"},
    }
    schema = forms.collect(spec({"thing": entry}))["thing"]["rjsfSchema"]
    assert list(schema["properties"]) == ["pattern_caveats", "name"]
    assert schema["properties"]["name"] == {
        "type": "string", "maxLength": 10, "title": "Thing name", "enum": ["a", "b"], "default": "a",
    }  # fmt: skip
    assert schema["required"] == ["name"]
    assert (schema["title"], schema["description"]) == ("A thing", "Shown under the title.")


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"request": "nope"}, "not an operationId"),
        ({"request": "getForm"}, "takes no JSON request body"),
        ({"schema": "Nope"}, "not in components/schemas"),
        ({}, "exactly one of"),
        ({"request": "saveThing", "schema": "ThingPayload"}, "exactly one of"),
        ({"schema": "ThingPayload", "fields": ["color"]}, "not properties"),
        ({"schema": "ThingPayload", "ui": {"color": {"ui:widget": "x"}}}, "not fields of the form"),
        ({"schema": "ThingPayload", "ui": {"name": {"widget": "x"}}}, "RJSF keys"),
        ({"schema": "ThingPayload", "colour": 1}, "an entry is a mapping"),
        ({"schema": "ThingPayload", "fields": ["who"], "from": {"who": "nobody"}}, "not properties"),
        ({"schema": "ThingPayload", "from": {"who": "owner"}}, "not fields of the form"),
        ({"schema": "Loop"}, "refers to itself"),
    ],
)
def test_bad_entries_are_named(entry: dict[str, Any], message: str) -> None:
    with pytest.raises(CodegenError, match=message):
        forms.collect(spec({"thing": entry}))


def test_a_field_named_otherwise_than_its_property() -> None:
    entry = {"schema": "ThingPayload", "fields": ["who", "name"], "from": {"who": "owner"}}
    schema = forms.collect(spec({"thing": entry}))["thing"]["rjsfSchema"]
    assert schema["properties"]["who"] == {"type": "string", "format": "uuid", "title": "Who"}
    assert schema["required"] == ["who", "name"]


def test_nothing_is_written_without_forms() -> None:
    doc = spec({})
    del doc["paths"]["/forms/{name}"]["get"]["x-forms"]
    assert forms.emit(doc, "# header") is None


def test_emitted_module_runs() -> None:
    text = forms.emit(spec({"thing": {"request": "saveThing"}}), "# header")
    assert text is not None and text.startswith("# header\n")
    namespace: dict[str, Any] = {}
    exec(compile(text, "form_schemas.py", "exec"), namespace)
    assert namespace["FORMS"] == forms.collect(spec({"thing": {"request": "saveThing"}}))


def test_humanize() -> None:
    assert forms.humanize("designType") == "Design type"
    assert forms.humanize("pattern_caveats") == "Pattern caveats"
    assert forms.humanize("helmRepo") == "Helm repo"
    assert forms.humanize("URL") == "Url"
