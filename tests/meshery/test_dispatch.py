"""The precomputed REST dispatch: same route as Starlette, handlers through answers.wrap, same answers."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import starlette.convertors
from connexion.frameworks import starlette as starlette_utils
from connexion.frameworks.starlette import starlettify_path
from connexion.resolver import Resolver
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Match, Route
from starlette.types import Receive, Scope, Send

from generated import errors as catalog
from generated.graphql_schema import ROOT_FIELDS
from generated.operations import OPERATIONS, OperationInfo
from meshery import answers, apispec, context, dispatch, session, validation, wiring
from meshery import app as app_module
from meshery.config import Settings
from meshery.providers import ProviderRegistry


@pytest.fixture(scope="module")
def bound() -> wiring.Wiring:
    return wiring.bind(OPERATIONS, ROOT_FIELDS)


@pytest.fixture(scope="module")
def table(bound: wiring.Wiring) -> dispatch.Table:
    return app_module.build_dispatch(bound, spec=apispec.specification())


def _scope(method: str, path: str, query: str = "") -> Scope:
    return {
        "type": "http",
        "method": method,
        "path": path,
        "root_path": "",
        "query_string": query.encode(),
        "headers": [(b"host", b"test")],
    }


def _concrete_paths() -> Iterator[str]:
    """Every spec path with each parameter filled by a value and by every literal seen at that position."""
    templates = sorted({info.path for info in OPERATIONS.values()})
    literals: dict[int, set[str]] = {}
    for template in templates:
        for i, part in enumerate(template.split("/")):
            if not part.startswith("{"):
                literals.setdefault(i, set()).add(part)
    for template in templates:
        parts = template.split("/")
        yield "/".join("7" if p.startswith("{") else p for p in parts)
        yield "/".join("x-1" if p.startswith("{") else p for p in parts)
        yield "/".join("a/b" if p.startswith("{") else p for p in parts)
        for i, part in enumerate(parts):
            if part.startswith("{"):
                for literal in sorted(literals.get(i, ())):
                    filled = (literal if j == i else ("7" if p.startswith("{") else p) for j, p in enumerate(parts))
                    yield "/".join(filled)
    yield "/api/no/such/route"
    yield "/"


def test_table_picks_the_operation_starlettes_router_picks(table: dispatch.Table) -> None:
    """The oracle is Starlette's own rule over Connexion's routes in Connexion's order: the first full match."""
    starlette.convertors.register_url_convertor("float", starlette_utils.FloatConverter())
    starlette.convertors.register_url_convertor("int", starlette_utils.IntegerConverter())
    spec = apispec.specification()
    routes: list[tuple[Route, str]] = []
    for path, methods in spec["paths"].items():
        for method in methods:
            if method in dispatch.METHODS:
                op = spec.operation_cls.from_spec(spec, path=path, method=method, resolver=Resolver(lambda _: _noop))
                template = starlettify_path(path, op.get_path_parameter_types())
                routes.append((Route(template, _noop, methods=[method.upper()]), op.operation_id))
    assert len(table) == len(routes) == len(OPERATIONS)
    checked = 0
    for path in _concrete_paths():
        for method in ("GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"):
            scope = _scope(method, path)
            expected = None
            for route, op_id in routes:
                matched, child = route.matches(scope)
                if matched is Match.FULL:
                    expected = (op_id, child["path_params"])
                    break
            found = table.match(scope)
            got = (found[0].info.operation_id, found[1]) if found else None
            assert got == expected, f"{method} {path}"
            checked += expected is not None
    assert checked > len(OPERATIONS)


async def _noop() -> None:
    return None


def test_every_endpoint_calls_its_handler_through_answers_wrap(table: dispatch.Table, bound: wiring.Wiring) -> None:
    endpoints = [entry[2] for bucket in table.buckets.values() for entry in bucket]
    assert {e.info.operation_id for e in endpoints} == set(OPERATIONS)
    for endpoint in endpoints:
        function: Any = endpoint.function
        assert function.__code__ is answers.wrap("any", _noop).__code__
        assert function.__wrapped__ is bound.operations[endpoint.info.operation_id]


def test_the_app_build_parses_no_yaml(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    import yaml

    def refuse(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("the bundled spec is parsed from JSON, once")

    monkeypatch.setattr(yaml, "safe_load", refuse)
    monkeypatch.setattr(yaml, "load", refuse)
    app = app_module.create_app(Settings(user_data_folder=tmp_path))
    assert app.state.meshery is not None


# --- a small spec served by the dispatcher alone ----------------------------------------

SPEC: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "t", "version": "1"},
    "servers": [{"url": "/"}],
    "paths": {
        "/items/summary": {"get": {"operationId": "summary", "responses": {"200": {"description": "ok"}}}},
        "/items/{itemId}": {
            "get": {
                "operationId": "getItem",
                "parameters": [
                    {"name": "itemId", "in": "path", "required": True, "schema": {"type": "integer"}},
                    {"name": "pageSize", "in": "query", "schema": {"type": "integer", "minimum": 1, "default": 10}},
                ],
                "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {}}}}},
            },
            "post": {
                "operationId": "postItem",
                "parameters": [{"name": "itemId", "in": "path", "required": True, "schema": {"type": "integer"}}],
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": ["name"],
                                "properties": {"name": {"type": "string"}},
                            }
                        }
                    },
                },
                "responses": {"201": {"description": "made"}},
            },
        },
        "/raw": {"get": {"operationId": "raw", "responses": {"200": {"description": "ok"}}}},
        "/boom": {"get": {"operationId": "boom", "responses": {"200": {"description": "ok"}}}},
    },
}


async def summary() -> Any:
    return {"summary": True}


async def get_item(item_id: int, page_size: int) -> Any:
    return {"item": item_id, "page_size": page_size}


async def post_item(item_id: int, body: dict[str, Any]) -> Any:
    return {"item": item_id, **body}, 201, {"X-Made": "yes"}


RAW = PlainTextResponse("as returned")


async def raw() -> Any:
    return RAW


async def boom() -> Any:
    raise catalog.ErrForbidden("not yours")


HANDLERS = {"summary": summary, "getItem": get_item, "postItem": post_item, "raw": raw, "boom": boom}


class Fallback:
    def __init__(self) -> None:
        self.paths: list[str] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.paths.append(scope.get("path", scope["type"]))
        await Response("fallback", status_code=418)(scope, receive, send)


@pytest.fixture
def small() -> tuple[dispatch.Dispatcher, Fallback]:
    spec = apispec.CheckedSpecification(json.loads(json.dumps(SPEC)))
    infos = {
        op_id: OperationInfo(
            operation_id=op_id, method="GET", path="/", tag="t", handler=f"t.{op_id}", public=True, security=()
        )
        for op_id in HANDLERS
    }
    resolver = Resolver(function_resolver=lambda op_id: answers.wrap(op_id, HANDLERS[op_id]))
    table = dispatch.build_table(
        spec, resolver=resolver, operations=infos, validator_map=validation.VALIDATOR_MAP, strict_validation=True
    )
    state = context.AppState(providers=ProviderRegistry.from_settings(Settings()))
    fallback = Fallback()
    sessions = session.SessionMiddleware(fallback, state=state)
    return dispatch.Dispatcher(fallback, table=table, sessions=sessions, shadowed=("/docs",)), fallback


def _client(app: dispatch.Dispatcher) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")


async def test_literal_route_and_typed_parameters_with_defaults(small: tuple[dispatch.Dispatcher, Fallback]) -> None:
    app, fallback = small
    async with _client(app) as http:
        assert (await http.get("/items/summary")).json() == {"summary": True}
        assert (await http.get("/items/42")).json() == {"item": 42, "page_size": 10}
        assert (await http.get("/items/42", params={"pageSize": "3"})).json() == {"item": 42, "page_size": 3}
    assert fallback.paths == []


async def test_tuples_and_responses_from_handlers(small: tuple[dispatch.Dispatcher, Fallback]) -> None:
    app, _ = small
    async with _client(app) as http:
        made = await http.post("/items/5", json={"name": "n"})
        assert (made.status_code, made.json(), made.headers["x-made"]) == (201, {"item": 5, "name": "n"}, "yes")
        plain = await http.get("/raw")
        assert (plain.status_code, plain.text, plain.headers["content-type"]) == (
            200,
            "as returned",
            "text/plain; charset=utf-8",
        )


async def test_validation_and_handler_errors_get_the_envelope(small: tuple[dispatch.Dispatcher, Fallback]) -> None:
    app, fallback = small
    async with _client(app) as http:
        low = await http.get("/items/1", params={"pageSize": "0"})
        assert low.status_code == 400 and low.json()["code"] == catalog.ErrRequestValidation.code
        assert "pageSize" in low.json()["error"]
        unknown = await http.get("/items/1", params={"other": "1"})
        assert unknown.json()["code"] == catalog.ErrUnknownParameter.code
        no_name = await http.post("/items/1", json={})
        assert no_name.status_code == 400 and re.search("name", no_name.json()["error"])
        text = await http.post("/items/1", content=b"{}", headers={"content-type": "text/csv"})
        assert text.json()["code"] == catalog.ErrUnsupportedMediaType.code
        forbidden = await http.get("/boom")
        assert forbidden.status_code == 403 and forbidden.json()["code"] == catalog.ErrForbidden.code
    assert fallback.paths == []


async def test_everything_else_goes_to_the_app_behind(small: tuple[dispatch.Dispatcher, Fallback]) -> None:
    app, fallback = small
    async with _client(app) as http:
        assert (await http.get("/items/not-a-number")).status_code == 418
        assert (await http.delete("/items/1")).status_code == 418
        assert (await http.head("/items/summary")).status_code == 418
        assert (await http.get("/docs")).status_code == 418
        assert (await http.get("/nothing")).status_code == 418
    assert fallback.paths == ["/items/not-a-number", "/items/1", "/items/summary", "/docs", "/nothing"]


# --- the same small spec read by the lenient reader (root x-lenient) ---------------------------

SIZE_VALUES = {"all": "all", "0": "default", "": "default"}
TAG = {
    "name": "tag",
    "in": "query",
    "style": "form",
    "explode": True,
    "schema": {"type": "array", "items": {"type": "string", "enum": ["a", "b"]}},
    "x-lenient": {"jsonArray": True},
}


def _lenient_spec() -> dict[str, Any]:
    spec: dict[str, Any] = json.loads(json.dumps(SPEC))
    spec["x-lenient"] = {"unknownParameters": "ignore", "jsonBody": ["text/plain", "none"], "arrays": "json"}
    get = spec["paths"]["/items/{itemId}"]["get"]
    get["operationId"] = "lenientItem"
    get["parameters"][1]["x-lenient"] = {"values": SIZE_VALUES}
    get["parameters"].append(TAG)
    return spec


async def lenient_item(item_id: int, page_size: Any, tag: list[str] | None = None) -> Any:
    return {"item": item_id, "page_size": page_size, "tag": tag}


@pytest.fixture
def lenient_app() -> dispatch.Dispatcher:
    handlers = {**HANDLERS, "lenientItem": lenient_item}
    spec = apispec.CheckedSpecification(_lenient_spec())
    infos = {
        op_id: OperationInfo(
            operation_id=op_id, method="GET", path="/", tag="t", handler=f"t.{op_id}", public=True, security=()
        )
        for op_id in handlers
    }
    resolver = Resolver(function_resolver=lambda op_id: answers.wrap(op_id, handlers[op_id]))
    table = dispatch.build_table(
        spec, resolver=resolver, operations=infos, validator_map=validation.VALIDATOR_MAP, strict_validation=True
    )
    state = context.AppState(providers=ProviderRegistry.from_settings(Settings()))
    fallback = Fallback()
    return dispatch.Dispatcher(fallback, table=table, sessions=session.SessionMiddleware(fallback, state=state))


async def test_the_lenient_reader_reads_what_upstream_reads(
    lenient_app: dispatch.Dispatcher, caplog: pytest.LogCaptureFixture
) -> None:
    async with _client(lenient_app) as http:
        with caplog.at_level("DEBUG", logger="meshery.lenient"):
            unknown = await http.get("/items/1", params={"other": "1", "pageSize": "3"})
            again = await http.get("/items/1", params={"other": "1", "pageSize": "3"})  # the remembered reading
        assert unknown.json() == again.json() == {"item": 1, "page_size": 3, "tag": None}
        assert caplog.text.count("ignored query parameters ['other']") == 2
        assert (await http.get("/items/1", params={"pageSize": "all"})).json()["page_size"] == "all"
        for default in ("0", ""):
            assert (await http.get("/items/1", params={"pageSize": default})).json()["page_size"] == 10
        as_json = await http.get(httpx.URL("/items/1", query=b'tag=["a","b"]'))
        assert as_json.json()["tag"] == ["a", "b"]
        repeated = await http.get("/items/1", params=[("tag", "a"), ("tag", "b")])
        assert repeated.json()["tag"] == ["a", "b"]
        made = await http.post(
            "/items/2", content=b'{"name": "n"}', headers={"content-type": "text/plain;charset=UTF-8"}
        )
        assert (made.status_code, made.json()) == (201, {"item": 2, "name": "n"})
        bare = await http.post("/items/2", content=b'{"name": "m"}')
        assert (bare.status_code, bare.json()) == (201, {"item": 2, "name": "m"})


async def test_the_lenient_reader_still_refuses_present_and_wrong_values(lenient_app: dispatch.Dispatcher) -> None:
    async with _client(lenient_app) as http:
        for query in (b"pageSize=-1", b"pageSize=abc", b"pageSize=ALL", b'tag=["c"]', b"tag=[broken"):
            wrong = await http.get(httpx.URL("/items/1", query=query))
            assert wrong.status_code == 400, query
            assert wrong.json()["code"] == catalog.ErrRequestValidation.code
        csv = await http.post("/items/1", content=b"{}", headers={"content-type": "text/csv"})
        assert csv.json()["code"] == catalog.ErrUnsupportedMediaType.code
        not_json = await http.post("/items/1", content=b"{", headers={"content-type": "text/plain"})
        assert not_json.status_code == 400
