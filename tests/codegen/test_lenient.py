"""The lenient reader's declaration: the root rule checked and copied onto each parameter it covers."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from codegen import lenient, openapi
from codegen.ir import CodegenError

RULE: dict[str, Any] = {
    "unknownParameters": "ignore",
    "jsonBody": ["text/plain", "none"],
    "paging": {"size": {"all": "all", "0": "default", "": "default"}, "page": {"undefined": "default"}},
    "arrays": "json",
}


def _doc(**params: dict[str, Any]) -> dict[str, Any]:
    return {
        "x-lenient": copy.deepcopy(RULE),
        "components": {"parameters": params, "schemas": {"Names": {"type": "array", "items": {"type": "string"}}}},
        "paths": {},
    }


def test_paging_and_array_parameters_get_their_declaration_and_sentence() -> None:
    doc = _doc(
        size={"name": "pagesize", "in": "query", "x-paging": "size", "description": "Per page.", "schema": {}},
        page={"name": "page", "in": "query", "x-paging": "page", "schema": {"type": "integer"}},
        kind={"name": "kind", "in": "query", "schema": {"$ref": "#/components/schemas/Names"}},
        plain={"name": "q", "in": "query", "schema": {"type": "string"}},
        path={"name": "id", "in": "path", "required": True, "schema": {"type": "array"}},
    )
    lenient.expand(doc)
    params = doc["components"]["parameters"]
    assert params["size"]["x-lenient"] == {"values": {"all": "all", "0": "default", "": "default"}}
    assert params["size"]["description"] == "Per page. Also accepted: `all` (every item); `0` or empty (the default)."
    assert params["page"]["x-lenient"] == {"values": {"undefined": "default"}}
    assert params["kind"]["x-lenient"] == {"jsonArray": True}
    assert "JSON array" in params["kind"]["description"]
    assert "x-lenient" not in params["plain"] and "x-lenient" not in params["path"]
    lenient.expand(doc)  # bundling twice says it once
    assert params["size"]["description"].count("Also accepted") == 1


def test_a_parameter_adds_values_or_opts_out() -> None:
    doc = _doc(
        size={"name": "n", "in": "query", "x-paging": "size", "x-lenient": {"values": {"every": "all"}}, "schema": {}},
        strict={"name": "s", "in": "query", "x-paging": "size", "x-lenient": False, "schema": {}},
    )
    lenient.expand(doc)
    params = doc["components"]["parameters"]
    assert params["size"]["x-lenient"]["values"]["every"] == "all"
    assert "x-lenient" not in params["strict"]


def test_without_a_root_rule_nothing_is_declared() -> None:
    doc = _doc(size={"name": "n", "in": "query", "x-paging": "size", "schema": {}})
    del doc["x-lenient"]
    lenient.expand(doc)
    assert "x-lenient" not in doc["components"]["parameters"]["size"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"unknownParameters": "maybe"}, "unknownParameters"),
        ({"jsonBody": ["text/csv"]}, "jsonBody"),
        ({"paging": {"page": {"all": "all"}}}, "only a page size"),
        ({"paging": {"size": {"x": "nothing"}}}, "not one of"),
        ({"paging": {"offset": {}}}, "not a paging field"),
        ({"extra": 1}, "unknown keys"),
    ],
)
def test_a_wrong_rule_is_a_codegen_error(change: dict[str, Any], message: str) -> None:
    doc = _doc()
    doc["x-lenient"].update(change)
    with pytest.raises(CodegenError, match=message):
        lenient.expand(doc)


def test_a_declaration_outside_the_query_is_a_codegen_error() -> None:
    doc = _doc(h={"name": "h", "in": "header", "x-lenient": {"jsonArray": True}, "schema": {}})
    with pytest.raises(CodegenError, match="query parameters only"):
        lenient.expand(doc)


def test_the_projects_list_parameters_carry_the_rule() -> None:
    """Every x-paging size of the project's spec takes `all`; its list filters take a JSON array."""
    api = openapi.load(Path(__file__).resolve().parents[2] / "spec" / "openapi")
    ops = {op.operation_id: op for op in api.operations}
    sizes = [p for op in api.operations for p in op.parameters if p.paging == "size"]
    assert sizes and all(p.lenient["values"]["all"] == "all" for p in sizes)
    connections = {p.name: p for p in ops["getConnections"].parameters}
    assert connections["status"].lenient == {"jsonArray": True}
    assert connections["page"].lenient["values"]["undefined"] == "default"
    assert api.spec["x-lenient"]["unknownParameters"] == "ignore"
