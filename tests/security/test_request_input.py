"""Findings 12, 13 and 14 (issue 15): hostile input in parameters and bodies, on both databases.

12. NUL bytes and control characters in any path or query parameter, or in a JSON string value,
    are refused with ``ErrControlCharacter`` (400) before they reach a database (PostgreSQL
    answered 500 in 23 routes) or a provider; ids forwarded to the provider are encoded as one
    path segment (``x%3Fa%3Db`` stays an id, never a query string).
13. 200,000 nested ``[`` in a body (or a query value) get ``ErrInputNestedTooDeeply`` (400),
    not a ``RecursionError`` (500); nesting up to the limit is still read.
14. A validation error echoing a 5 MB value answers a few KB (the value is cut in the middle).

Every operation of the spec is walked (generated from ``generated/openapi.json``), so a route
added later is covered.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from generated import errors
from meshery.app import create_app
from tests.fixtures.app import app_settings
from tests.fixtures.contract import ContractChecker, contract_client
from tests.fixtures.remote_provider import RemoteProviderProcess
from tests.providers.conftest import RemoteClient, remote_client  # noqa: F401  (fixture)

SPEC: dict[str, Any] = json.loads((Path(__file__).parents[2] / "generated" / "openapi.json").read_text())
METHODS = ("get", "put", "post", "delete", "patch")
OPERATIONS = [
    (method.upper(), path, op)
    for path, item in SPEC["paths"].items()
    for method, op in item.items()
    if method in METHODS and "text/event-stream" not in json.dumps(op.get("responses", {}).get("200", {}))
]
WITH_PATH_PARAMETERS = [(m, p) for m, p, _ in OPERATIONS if "{" in p]
WITH_JSON_BODY = [
    (m, p) for m, p, op in OPERATIONS if "application/json" in (op.get("requestBody") or {}).get("content", {})
]
CONTROL = ["%00", "%01", "%0A", "%1F", "%7F"]


def _fill(path: str, value: str) -> str:
    return re.sub(r"\{[^}]+\}", value, path)


def _refused(answer: httpx.Response, code: str, where: str) -> None:
    assert answer.status_code == 400, f"{where}: {answer.status_code} {answer.text[:200]}"
    assert answer.json()["code"] == code, where


def test_the_walk_covers_the_spec() -> None:
    assert len(WITH_PATH_PARAMETERS) > 50 and len(WITH_JSON_BODY) > 30


async def test_control_characters_in_every_path_parameter(client: httpx.AsyncClient) -> None:
    for index, (method, path) in enumerate(WITH_PATH_PARAMETERS):
        char = CONTROL[index % len(CONTROL)]
        url = _fill(path, f"00000000-0000-0000-0000-00000000000{char}")
        answer = await client.request(method, url, json={} if method in ("POST", "PUT", "PATCH") else None)
        _refused(answer, errors.ErrControlCharacter.code, f"{method} {url}")


async def test_control_characters_in_every_query(client: httpx.AsyncClient) -> None:
    for index, (method, path, op) in enumerate(OPERATIONS):
        names = [p["name"] for p in op.get("parameters", []) if p.get("in") == "query"] or ["search"]
        url = _fill(path, "00000000-0000-0000-0000-000000000000")
        query = f"{names[0]}=a{CONTROL[index % len(CONTROL)]}b"
        answer = await client.request(method, f"{url}?{query}")
        _refused(answer, errors.ErrControlCharacter.code, f"{method} {url}?{query}")


@pytest.mark.parametrize("escape", ["\\u0000", "\\u0007", "\\u001b", "\\ud800"])
async def test_control_characters_in_every_json_body(client: httpx.AsyncClient, escape: str) -> None:
    body = ('{"name": "a' + escape + 'b", "id": "00000000-0000-0000-0000-000000000000"}').encode()
    for method, path in WITH_JSON_BODY:
        url = _fill(path, "00000000-0000-0000-0000-000000000000")
        answer = await client.request(method, url, content=body, headers={"content-type": "application/json"})
        _refused(answer, errors.ErrControlCharacter.code, f"{method} {url} {escape}")


async def test_text_with_ordinary_escapes_is_stored(client: httpx.AsyncClient) -> None:
    """Tab, newline, an escaped backslash before "u0000" and emoji pairs are ordinary text."""
    name = "line\\n\\ttab \\\\u0000 literal \\ud83d\\ude00"
    body = f'{{"name": "{name}", "pattern_data": {{"pattern_file": "name: x\\ncomponents: []\\n"}}}}'.encode()
    answer = await client.post("/api/pattern", content=body, headers={"content-type": "application/json"})
    assert answer.status_code in (200, 201), answer.text
    assert answer.json()[0]["name"] == json.loads(f'"{name}"')


async def test_control_characters_in_form_fields(client: httpx.AsyncClient) -> None:
    files = {"file": ("model.json", b"{}")}
    answer = await client.post("/api/registry/register", files=files, data={"uploadType": "fi\x00le"})
    _refused(answer, errors.ErrControlCharacter.code, "multipart field")
    form = {"content-type": "application/x-www-form-urlencoded"}
    answer = await client.post("/api/registry/register", content=b"uploadType=a%00b", headers=form)
    _refused(answer, errors.ErrControlCharacter.code, "urlencoded field")


async def test_deep_json_bodies_and_queries_are_400(client: httpx.AsyncClient) -> None:
    deep = b"[" * 200_000
    for method, path in WITH_JSON_BODY:
        url = _fill(path, "00000000-0000-0000-0000-000000000000")
        answer = await client.request(method, url, content=deep, headers={"content-type": "application/json"})
        _refused(answer, errors.ErrInputNestedTooDeeply.code, f"{method} {url}")
    closed = b'{"name": "x", "pattern_data": ' + b"[" * 5_000 + b"]" * 5_000 + b"}"
    answer = await client.post("/api/pattern", content=closed)  # no content type: read as JSON
    _refused(answer, errors.ErrInputNestedTooDeeply.code, "closed brackets")
    answer = await client.get("/api/integrations/connections", params={"filter": "[" * 20_000})
    _refused(answer, errors.ErrInputNestedTooDeeply.code, "query")
    answer = await client.post("/api/system/graphql/query", content=b'{"query": ' + b"[" * 100_000 + b"}")
    _refused(answer, errors.ErrInputNestedTooDeeply.code, "graphql")


async def test_nesting_within_the_limit_is_read(client: httpx.AsyncClient) -> None:
    value: Any = "leaf"
    for _ in range(90):
        value = {"child": value}
    body = {"name": "deep", "pattern_data": {"pattern_file": "name: deep\ncomponents: []\n", "catalog_data": value}}
    answer = await client.post("/api/pattern", json=body)
    assert answer.status_code in (200, 201), answer.text[:300]


async def test_validation_errors_cut_echoed_values(client: httpx.AsyncClient) -> None:
    huge = "A" * 5_000_000
    answer = await client.put("/api/system/events/status/bulk", json={"status": "read", "ids": huge})
    assert 400 <= answer.status_code < 500 and len(answer.content) < 10_000, answer.status_code
    assert "characters left out" in answer.json()["error"]
    answer = await client.post("/api/system/graphql/query", json={"query": "{ " + "a" * 5_000_000 + " }"})
    assert answer.status_code == 400 and len(answer.content) < 10_000, (answer.status_code, len(answer.content))


async def test_profile_ids_reach_the_provider_as_one_segment(
    remote_client: RemoteClient,  # noqa: F811  (the fixture imported above)
    remote_provider: RemoteProviderProcess,
) -> None:
    cookie = {"Cookie": f"meshery-provider=Reference; token={remote_provider.issue('alice')}"}
    async with remote_client(provider="Reference") as http:
        assert (await http.get("/api/user/profile/alice", headers=cookie)).status_code == 200
        # Unencoded, the provider would read /user/profile/alice?a=b: alice's profile.
        smuggled = await http.get("/api/user/profile/alice%3Fa%3Db", headers=cookie)
        assert smuggled.status_code == 404, smuggled.text
        for char in ("%0A", "%00", "%0D%0AX-Evil:%201"):
            answer = await http.get(f"/api/user/profile/alice{char}", headers=cookie)
            _refused(answer, errors.ErrControlCharacter.code, char)


async def test_bodies_over_the_limits_are_413(tmp_path: Path, contract: ContractChecker) -> None:
    settings = app_settings(user_data_folder=tmp_path / "meshery", request_body_limit=4096, multipart_body_limit=8192)
    app: Starlette = create_app(settings)

    async def chunks(count: int) -> AsyncIterator[bytes]:
        yield b'{"name": "'
        for _ in range(count):
            yield b"x" * 1024
        yield b'"}'

    async with app.router.lifespan_context(app), contract_client(app, contract) as http:
        answer = await http.post(
            "/api/pattern", content=b"{}" + b" " * 5000, headers={"content-type": "application/json"}
        )
        assert (answer.status_code, answer.json()["code"]) == (413, errors.ErrRequestTooLarge.code)
        answer = await http.post("/api/pattern", content=chunks(8), headers={"content-type": "application/json"})
        assert (answer.status_code, answer.json()["code"]) == (413, errors.ErrRequestTooLarge.code)
        files = {"file": ("model.tar.gz", b"\0" * 6000)}
        answer = await http.post("/api/registry/register", files=files)
        assert answer.status_code == 200  # within the multipart limit: read (and refused as an archive)
        files = {"file": ("model.tar.gz", b"\0" * 9000)}
        answer = await http.post("/api/registry/register", files=files)
        assert (answer.status_code, answer.json()["code"]) == (413, errors.ErrRequestTooLarge.code)
