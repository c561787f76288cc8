"""Build the one ASGI app: Starlette outside, Connexion (REST) inside.

Outer routes: GraphQL over HTTP and WebSocket, the offline GraphiQL page and
its assets, the spec files and Swagger UI (``meshery.apidocs``). Everything
else is mounted Connexion, which routes and validates REST from
``generated/openapi.yaml``. The outer lifespan starts and stops the
store, the bus and (later) MeshSync and adapter watchers, in one place.
"""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from ariadne.asgi import GraphQL
from connexion import AsyncApp
from connexion.exceptions import ProblemException
from connexion.middleware.context import ContextMiddleware
from connexion.middleware.exceptions import ExceptionMiddleware
from connexion.middleware.lifespan import LifespanMiddleware
from connexion.middleware.request_validation import RequestValidationMiddleware
from connexion.middleware.routing import RoutingMiddleware
from connexion.middleware.server_error import ServerErrorMiddleware
from connexion.resolver import Resolver
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import HTTPConnection, Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles

import generated
from generated import errors as catalog
from generated.graphql_schema import ROOT_FIELDS
from generated.operations import OPERATIONS
from meshery import answers, apidocs, context, errors, lifecycle, session, validation, wiring
from meshery.config import Settings
from meshery.graphql import cache, schema, transport
from meshery.graphql.playground import page as playground
from meshery.providers import ProviderRegistry

SPEC_FILE = Path(generated.__file__).parent / "openapi.yaml"
GRAPHQL_PATH = "/api/system/graphql/query"
PLAYGROUND_PATH = "/api/system/graphql/playground"
PLAYGROUND_STATIC = "/api/system/graphql/static"


def rest_middlewares(state: context.AppState) -> list[object]:
    """Connexion's stack in order; our session check replaces its SecurityMiddleware.

    Swagger UI and the spec files are served by ``meshery.apidocs`` instead of
    Connexion's SwaggerUIMiddleware, which would route every request again.

    Response validation is left out in production (contract tests do it with
    openapi-core): it costs about a fifth of the throughput.
    """
    return [
        ServerErrorMiddleware,
        ExceptionMiddleware,
        RoutingMiddleware,
        functools.partial(session.SessionMiddleware, state=state),
        RequestValidationMiddleware,
        LifespanMiddleware,
        ContextMiddleware,
    ]


def build_rest(state: context.AppState, bound: wiring.Wiring, *, middlewares: list[object] | None = None) -> AsyncApp:
    rest = AsyncApp(
        __name__,
        middlewares=rest_middlewares(state) if middlewares is None else middlewares,
        resolver=Resolver(function_resolver=lambda op_id: answers.wrap(op_id, bound.operations[op_id])),
        pythonic_params=True,
        strict_validation=True,
        validator_map=validation.VALIDATOR_MAP,
    )
    rest.add_api(SPEC_FILE)
    for exc_class in (Exception, HTTPException, ProblemException):
        rest.add_error_handler(exc_class, errors.connexion_handler)
    return rest


def build_graphql(state: context.AppState, bound: wiring.Wiring, *, debug: bool, cache_size: int) -> GraphQL:
    documents = cache.DocumentCache(cache_size) if cache_size > 0 else None

    async def context_value(request: HTTPConnection, _data: object = None) -> dict[str, object]:
        services = state.services
        if services is None:
            raise catalog.ErrDatabaseNotReady("the server is still starting")
        ctx = await session.build_context(request, services=services, providers=state.providers, required=True)
        return {"request": request, schema.CONTEXT_KEY: ctx}

    return GraphQL(
        schema.build(bound),
        context_value=context_value,
        query_parser=documents.parse if documents else None,
        query_validator=documents.validate if documents else None,  # type: ignore[arg-type]
        execute_get_queries=True,
        introspection=True,
        debug=debug,
        http_handler=transport.HTTPHandler(),
        websocket_handler=transport.ProtocolSwitch(),
    )


def create_app(settings: Settings) -> Starlette:
    """The whole server as one ASGI app; nothing starts until its lifespan runs."""
    bound = wiring.bind(OPERATIONS, ROOT_FIELDS)
    state = context.AppState(providers=ProviderRegistry.from_settings(settings))
    rest = build_rest(state, bound)
    gql = build_graphql(state, bound, debug=settings.debug, cache_size=settings.graphql_cache_size)
    page = playground.render_page(endpoint=GRAPHQL_PATH, static_prefix=PLAYGROUND_STATIC)

    async def playground_page(_request: Request) -> Response:
        return HTMLResponse(page)

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        services = await lifecycle.start_services(settings)
        services.providers = state.providers
        await state.providers.start(store=services.store)
        state.services = services
        try:
            yield
        finally:
            state.services = None
            await state.providers.stop()
            await lifecycle.stop_services(services)

    app = Starlette(
        routes=[
            # No method lists: a Route restricted to some methods would let
            # other methods fall through to the REST mount and answer 404.
            Route(GRAPHQL_PATH, gql),
            WebSocketRoute(GRAPHQL_PATH, gql),
            Route(PLAYGROUND_PATH, apidocs.read_only(playground_page)),
            Mount(PLAYGROUND_STATIC, StaticFiles(directory=playground.static_dir())),
            *apidocs.routes(SPEC_FILE),
            Mount("/", rest),
        ],
        # MesheryError and HTTPException are answered by the exception
        # middleware; anything else reaches the server-error handler (500).
        exception_handlers={
            catalog.MesheryError: errors.starlette_handler,
            HTTPException: errors.starlette_handler,
            Exception: errors.starlette_handler,
        },
        lifespan=lifespan,
    )
    app.state.meshery = state
    return app
