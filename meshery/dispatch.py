"""REST dispatch from a table built once: route, authenticate, validate, call, answer.

Connexion's middleware stack does this per request at a price: the outer app
routes, Connexion's routing middleware routes again over every operation, each
request re-decorates its handler (signature inspection, ``functools.wraps``),
re-creates its URI parser and parameter validator, and reads the operation
through context-local proxies. Here each operation gets an ``Endpoint`` holding
all of that, built once from Connexion's own operation objects (so the spec and
the request-validation semantics stay Connexion's: the same validators, the same
parameter coercion and defaults), and ``Dispatcher`` finds it by literal path
prefix instead of trying every route.

Only requests that fully match an operation are served here. Anything else
(unknown paths, a method the path does not have, ``HEAD``, trailing-slash
redirects, paths under the outer app's own routes, a server ``root_path``,
websockets, lifespan) goes to the app behind it, the Connexion stack, which
answers exactly as before.

Every served request is first read by the lenient reader (``meshery.lenient``, declared by the
spec's ``x-lenient``): unknown query parameters and form fields ignored, the paging values
upstream's clients send, JSON arrays in list filters, JSON bodies sent as ``text/plain``; and
second spellings of body fields are folded into the first (``meshery.spellings``, declared by
``x-spelling-of`` on the request schema's properties).
"""

from __future__ import annotations

import collections.abc
import functools
import types
from collections.abc import Awaitable, Callable, Iterable, Mapping
from logging import DEBUG
from typing import Any

from connexion.decorators.parameter import get_arguments, pythonic, unwrap_decorators
from connexion.decorators.response import BaseResponseDecorator
from connexion.exceptions import NonConformingResponseHeaders
from connexion.frameworks.starlette import Starlette as StarletteFramework
from connexion.frameworks.starlette import starlettify_path
from connexion.http_facts import FORM_CONTENT_TYPES
from connexion.jsonifier import Jsonifier
from connexion.lifecycle import ConnexionRequest, ConnexionResponse
from connexion.middleware.exceptions import connexion_wrapper
from connexion.middleware.request_validation import RequestValidationOperation
from connexion.operations import AbstractOperation
from connexion.resolver import Resolver
from connexion.spec import Specification
from connexion.utils import extract_content_type, inspect_function_arguments, is_nullable
from python_multipart.multipart import parse_options_header
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Match, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from generated.operations import OperationInfo
from meshery import errors, lenient, session, spellings
from meshery.observability import rest as observed_rest

METHODS = ("get", "put", "post", "delete", "options", "patch", "trace")
JSON_CONTENT_TYPE = (b"content-type", b"application/json")
QUERY_CACHE = 256  # distinct query strings remembered per operation by the lenient reader

sanitize: Callable[[str], str] = functools.lru_cache(maxsize=4096)(pythonic)
"""Connexion's ``pythonic_params`` renaming (camelCase to snake_case), remembered per name."""


@functools.lru_cache(maxsize=256)
def mimetype_of(content_type: str) -> str:
    """``ConnexionRequest.mimetype`` of a Content-Type value, parsed once per distinct value."""
    mimetype: bytes = parse_options_header(content_type)[0]
    return mimetype.decode()


async def _never(_scope: Scope, _receive: Receive, _send: Send) -> None:
    raise AssertionError("dispatch routes are matched, never called")


class _Answer(BaseResponseDecorator):  # type: ignore[misc]
    """Connexion's conversion of a handler result into a response, with the operation's
    ``produces`` read once instead of through the request-context proxy."""

    def __init__(self, operation: AbstractOperation) -> None:
        super().__init__(framework=StarletteFramework, jsonifier=Jsonifier())
        self.declared = operation.produces
        self.produces: list[str] = list(set(operation.produces))

    def __call__(self, function: Callable[..., Any]) -> Callable[..., Any]:
        raise NotImplementedError("use to_response")

    def _infer_content_type(self, data: Any, headers: dict[str, str]) -> str | None:
        content_type: str | None = extract_content_type(headers) if headers else None
        produces = self.produces
        if data is not None and not produces:
            produces = ["application/json"]
        if content_type:
            if content_type not in produces:
                raise NonConformingResponseHeaders(
                    f"Returned content type ({content_type}) is not defined in operation spec ({self.declared})."
                )
            return content_type
        if len(produces) == 1:
            return produces[0]
        if not produces:
            return None
        if isinstance(data, str):
            content_type = next((c for c in reversed(produces) if "text/plain" in c), None)
        elif isinstance(data, bytes | types.GeneratorType | collections.abc.Iterator):
            content_type = next((c for c in reversed(produces) if "application/octet-stream" in c), None)
        if content_type is None:
            raise NonConformingResponseHeaders(
                "Multiple response content types are defined in the operation spec, but "
                "the handler response did not specify which one to return."
            )
        return content_type

    def to_response(self, result: Any) -> Response:
        if isinstance(result, Response):
            return result
        if isinstance(result, ConnexionResponse):
            return StarletteFramework.connexion_to_framework_response(result)  # type: ignore[no-any-return]
        return self.build_framework_response(result)  # type: ignore[no-any-return]


class Endpoint:
    """One operation, ready to serve: what Connexion's middlewares rebuild per request, built once."""

    def __init__(
        self,
        operation: AbstractOperation,
        info: OperationInfo,
        *,
        validator_map: Mapping[str, Any],
        strict_validation: bool,
        reader: Mapping[str, Any] | None = None,
    ) -> None:
        reader = reader or {}
        # Unknown query parameters are dropped (and logged) by the reader, unknown form fields
        # logged here; Connexion's strict checks would only find nothing or refuse them.
        strict_validation = strict_validation and not lenient.ignores_unknown(reader)
        self.operation = operation
        self.info = info
        self.query_plan = lenient.plan(operation.operation_id, operation.parameters, reader)
        # Clients repeat their queries (the UI polls the same lists): each distinct one is read once.
        self.read_query: Callable[[bytes], lenient.Reading | None] | None = (
            functools.lru_cache(maxsize=QUERY_CACHE)(self.query_plan.read) if self.query_plan else None
        )
        self.function: Callable[..., Awaitable[Any]] = operation.function
        self.arguments, self.has_kwargs = _signature(self.function)
        self.validation = RequestValidationOperation(
            _never, operation=operation, strict_validation=strict_validation, validator_map=dict(validator_map)
        )
        self.validator_map = self.validation._validator_map
        self.strict_validation = strict_validation
        self.uri_parser = operation.uri_parser_class(operation.parameters, operation.body_definition())
        self.parameters = self.validator_map["parameter"](
            operation.parameters,
            uri_parser=self.uri_parser,
            strict_validation=strict_validation,
            security_query_params=self.validation.security_query_params,
        )
        self.answer = _Answer(operation)
        self.has_body = bool(operation.request_body)
        # A body sent without a Content-Type is read as JSON where the operation takes JSON, as
        # upstream's handlers decode it (otherwise it reached the handler as unvalidated bytes).
        takes_json = self.has_body and "application/json" in operation.consumes
        self.json_by_default = takes_json
        # A JSON body sent as text/plain (browser fetch's default) is read as JSON, where the
        # operation takes JSON and not text.
        self.json_from_text = (
            takes_json and "text/plain" not in operation.consumes and "text/plain" in lenient.json_body_types(reader)
        )
        # Second spellings of body fields (``x-spelling-of``) are folded into the first one.
        where = f"{operation.operation_id} request body"
        self.spellings = spellings.plan(operation.body_schema("application/json"), where=where) if takes_json else None
        form_schema = (
            next((operation.body_schema(m) for m in operation.consumes if m in FORM_CONTENT_TYPES), None)
            if self.has_body
            else None
        )
        self.form_fields: frozenset[str] | None = (
            frozenset((form_schema or {}).get("properties", {})) if form_schema is not None else None
        )
        # OpenAPI 3 names the body argument from x-body-name, whatever the media type.
        self.wants_body = sanitize(operation.body_name("")) in self.arguments or self.has_kwargs
        self.parameter_free = not operation.parameters
        self.takes_nothing = self.parameter_free and not self.arguments and not self.has_kwargs

    async def validate(self, request: ConnexionRequest) -> ConnexionRequest:
        """Connexion's request validation (``RequestValidationOperation``) with parts built once.

        Returns the request the handler reads: the same one, or one over the validated body.
        """
        if self.parameter_free and not request.scope["query_string"]:
            # Nothing to check: no declared parameter, and no query to call extra.
            pass
        else:
            self.parameters.validate_request(request)
        operation = self.operation
        if not self.has_body:
            # No requestBody: no media types to check (``consumes`` is empty), no body schema.
            return request
        scope: Scope = request.scope
        mime_type, encoding = self.validation.extract_content_type(scope["headers"])
        self.validation.validate_mime_type(mime_type)
        schema = operation.body_schema(mime_type)
        if schema:
            body_validator = self.validator_map["body"].get(mime_type)
            if body_validator is not None:
                validator = body_validator(
                    schema=schema,
                    required=operation.request_body.get("required", False),
                    nullable=is_nullable(operation.body_definition(mime_type)),
                    encoding=encoding,
                    strict_validation=self.strict_validation,
                    uri_parser=self.uri_parser,
                )
                receive, scope = await validator.wrap_receive(request.receive, scope=scope)
                return ConnexionRequest(scope, receive, uri_parser=self.uri_parser)
        return request

    async def arguments_of(self, request: ConnexionRequest, carried: Mapping[str, str] | None = None) -> dict[str, Any]:
        """The handler's keyword arguments, by Connexion's rules (``AsyncParameterDecorator``).

        ``carried``: query values the lenient reader kept past validation (``pagesize=all``).
        """
        mimetype = mimetype_of(request.content_type)
        if self.takes_nothing and mimetype not in FORM_CONTENT_TYPES:
            # Connexion would compute only arguments the handler does not take (and reject none).
            return {}
        body = await request.get_body() if self.wants_body else None
        if self.spellings is not None and body is not None:
            body = self.spellings.apply(body)
        # Connexion always reads the form; for any other content type Starlette's form is empty.
        files = await request.files() if mimetype in FORM_CONTENT_TYPES else {}
        if self.form_fields is not None and mimetype in FORM_CONTENT_TYPES and lenient.log.isEnabledFor(DEBUG):
            names = [*(await request.form()), *files]
            lenient.unknown_fields(self.operation.operation_id, names, self.form_fields)
        kwargs = get_arguments(
            self.operation,
            path_params=request.path_params,
            query_params=request.query_params,
            body=body,
            files=files,
            arguments=self.arguments,
            has_kwargs=self.has_kwargs,
            sanitize=sanitize,
            content_type=mimetype,
        )
        arguments = {sanitize(k): v for k, v in kwargs.items()}
        if carried:
            for name, value in carried.items():
                key = sanitize(name)
                if key in self.arguments or self.has_kwargs:
                    arguments[key] = value
        return arguments

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Validate, call the handler, send its answer (inside the session's context)."""
        carried: Mapping[str, str] | None = None
        if self.read_query is not None and scope["query_string"]:
            reading = self.read_query(scope["query_string"])
            if reading is not None:
                lenient.log_ignored(self.operation.operation_id, reading)
                scope["query_string"] = reading.query_string
                carried = reading.carried
        if self.json_by_default:
            content_type = next((value for name, value in scope["headers"] if name == b"content-type"), None)
            if content_type is None:
                scope["headers"] = [*scope["headers"], JSON_CONTENT_TYPE]
            elif self.json_from_text and content_type[:10].lower() == b"text/plain":
                scope["headers"] = [
                    JSON_CONTENT_TYPE if name == b"content-type" else (name, value) for name, value in scope["headers"]
                ]
        request = await self.validate(ConnexionRequest(scope, receive, uri_parser=self.uri_parser))
        if self.form_fields is None:
            result = await self.function(**await self.arguments_of(request, carried))
            await self.answer.to_response(result)(request.scope, request.receive, send)
            return
        try:
            result = await self.function(**await self.arguments_of(request, carried))
            await self.answer.to_response(result)(request.scope, request.receive, send)
        finally:
            # Uploaded parts the handler does not take (fields the reader ignores) are closed here.
            await request.close()


def _signature(function: Callable[..., Any]) -> tuple[list[str], bool]:
    arguments, has_kwargs = inspect_function_arguments(unwrap_decorators(function))
    return list(arguments), bool(has_kwargs)


class Table:
    """Operations by literal path prefix, matched in the order Connexion registers them.

    Starlette's router tries every route in order and takes the first full match;
    a route can only match paths that start with its literal prefix (the template
    up to its first parameter), so only the routes under the request path's own
    prefixes are tried, in the same order, with Starlette's own matching.
    """

    def __init__(self, entries: Iterable[tuple[str, str, Endpoint]]) -> None:
        self.buckets: dict[str, list[tuple[int, Route, Endpoint]]] = {}
        for index, (path, method, endpoint) in enumerate(entries):
            types = endpoint.operation.get_path_parameter_types()
            template = starlettify_path(path, types)
            route = Route(template, _never, methods=[method.upper()])
            prefix = template.split("{", 1)[0]
            self.buckets.setdefault(prefix, []).append((index, route, endpoint))

    def __len__(self) -> int:
        return sum(len(b) for b in self.buckets.values())

    def match(self, scope: Scope) -> tuple[Endpoint, dict[str, Any]] | None:
        """The endpoint Starlette's router would pick, with its converted path parameters."""
        path: str = scope["path"]
        found: list[tuple[int, Route, Endpoint]] = []
        bucket = self.buckets.get(path)
        if bucket:
            found += bucket
        slash = path.find("/")
        while slash >= 0:
            bucket = self.buckets.get(path[: slash + 1])
            if bucket:
                found += bucket
            slash = path.find("/", slash + 1)
        if len(found) > 1:
            found.sort(key=lambda entry: entry[0])
        for _index, route, endpoint in found:
            matched, child = route.matches(scope)
            if matched is Match.FULL:
                return endpoint, child["path_params"]
        return None


def build_table(
    spec: Specification,
    *,
    resolver: Resolver,
    operations: Mapping[str, OperationInfo],
    validator_map: Mapping[str, Any],
    strict_validation: bool,
) -> Table:
    """One endpoint per operation of ``spec``, in the spec's order (Connexion's routing order)."""
    reader = lenient.rule(spec.raw)
    entries: list[tuple[str, str, Endpoint]] = []
    for path, methods in spec.get("paths", {}).items():
        for method in methods:
            if method not in METHODS:
                continue
            operation = spec.operation_cls.from_spec(spec, path=path, method=method, resolver=resolver)
            info = operations[operation.operation_id]
            endpoint = Endpoint(
                operation, info, validator_map=validator_map, strict_validation=strict_validation, reader=reader
            )
            entries.append((path, method, endpoint))
    return Table(entries)


def shadowing_prefixes(routes: Iterable[BaseRoute]) -> tuple[str, ...]:
    """Literal prefixes of the outer app's own routes, which win over REST: those paths are left to it."""
    prefixes = []
    for route in routes:
        path = getattr(route, "path", None)
        if path is None:
            raise TypeError(f"cannot tell which paths {route!r} serves")
        prefixes.append(str(path).split("{", 1)[0] or "/")
    return tuple(prefixes)


_error_response = connexion_wrapper(errors.connexion_handler)


class Dispatcher:
    """ASGI middleware serving every request that fully matches an operation; the rest goes to ``app``.

    Steps and their order are those of the Connexion stack it replaces on this path:
    errors (MeshKit envelope, ``errors.connexion_handler``), routing, session
    (``meshery.session``), request validation, the handler through
    ``meshery.answers.wrap``, Connexion's conversion of the result into a response.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        table: Table,
        sessions: session.SessionMiddleware,
        shadowed: tuple[str, ...] = (),
    ) -> None:
        self.app = app
        self.table = table
        self.sessions = sessions
        self.shadowed = shadowed

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] == "HEAD"
            or scope.get("root_path")
            or scope["path"].startswith(self.shadowed)
        ):
            await self.app(scope, receive, send)
            return
        found = self.table.match(scope)
        if found is None:
            await self.app(scope, receive, send)
            return
        endpoint, path_params = found
        observed_rest.matched(scope, endpoint.info.operation_id, endpoint.info.path)  # names span and metrics
        scope = {**scope, "path_params": path_params}
        started = False

        async def tracked(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.sessions.serve(endpoint.info, scope, receive, tracked, endpoint)
        except Exception as exc:
            if started:
                raise RuntimeError("Caught handled exception, but response already started.") from exc
            response = await _error_response(Request(scope), exc)
            await response(scope, receive, send)
