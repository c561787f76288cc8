"""GET /api/schema/resource/{resourceName}: generated form schemas, as the UI reads them."""

from __future__ import annotations

import httpx
import pytest

from generated.form_schemas import FORMS
from meshery import apispec

UI_FORMS = ["design", "filter", "publish", "environment", "workspace", "helmRepo"]


def _request_schema(operation_id: str) -> dict[str, object]:
    spec = apispec.specification().raw
    for item in spec["paths"].values():
        for op in item.values():
            if isinstance(op, dict) and op.get("operationId") == operation_id:
                ref = op["requestBody"]["content"]["application/json"]["schema"]["$ref"]
                return spec["components"]["schemas"][ref.rsplit("/", 1)[1]]  # type: ignore[no-any-return]
    raise AssertionError(operation_id)


@pytest.mark.parametrize("name", UI_FORMS)
async def test_every_form_the_ui_asks_for(client: httpx.AsyncClient, name: str) -> None:
    response = await client.get(f"/api/schema/resource/{name}")
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {"rjsfSchema", "uiSchema"}
    schema, ui = body["rjsfSchema"], body["uiSchema"]
    assert schema["type"] == "object" and schema["title"]
    assert ui["ui:order"] == list(schema["properties"])
    for field, prop in schema["properties"].items():
        assert prop["title"], field
        assert not any(k.startswith("x-") for k in prop), field
    assert set(schema.get("required", [])) <= set(schema["properties"])


async def test_environment_form_is_the_save_environment_request(client: httpx.AsyncClient) -> None:
    body = (await client.get("/api/schema/resource/environment")).json()
    request = _request_schema("saveEnvironment")
    props = body["rjsfSchema"]["properties"]
    assert list(props) == ["organization", "name", "description"]
    for field in ("name", "description"):  # the constraints come from the request the server validates
        assert props[field]["maxLength"] == request["properties"][field]["maxLength"]  # type: ignore[index]
    assert "pattern" in props["organization"]  # organization_id's schema (a UUID), under upstream's name
    assert body["rjsfSchema"]["required"] == ["name"]
    assert body["uiSchema"]["description"] == {"ui:widget": "textarea"}


@pytest.mark.parametrize("name", ["environment", "workspace"])
async def test_the_ui_can_fill_the_organization_choices(client: httpx.AsyncClient, name: str) -> None:
    """The UI writes rjsfSchema.properties.organization.enum and uiSchema.organization["ui:widget"]."""
    body = (await client.get(f"/api/schema/resource/{name}")).json()
    assert isinstance(body["rjsfSchema"]["properties"]["organization"], dict)
    assert isinstance(body["uiSchema"]["organization"], dict)
    assert body["uiSchema"]["ui:order"][0] == "organization"


async def test_design_form_offers_the_import_choices(client: httpx.AsyncClient) -> None:
    props = (await client.get("/api/schema/resource/design")).json()["rjsfSchema"]["properties"]
    assert props["uploadType"]["enum"] == ["File Upload", "URL Import"]
    assert props["uploadType"]["default"] == "File Upload"
    assert set(props) <= set(_request_schema("importPattern")["properties"])  # type: ignore[arg-type]


async def test_unknown_form_is_a_catalogued_404(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/schema/resource/nope")
    assert response.status_code == 404
    body = response.json()
    assert body["code"] == "meshery-server-1760"
    assert "helmRepo" in body["error"] or any("helmRepo" in s for s in body.get("longDescription", []))


async def test_answers_are_copies(client: httpx.AsyncClient) -> None:
    first = (await client.get("/api/schema/resource/workspace")).json()
    assert first == FORMS["workspace"]
