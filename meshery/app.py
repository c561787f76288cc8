"""Build the one ASGI app: Starlette outside, Connexion (REST) inside.

Outer routes: GraphQL over HTTP and WebSocket, the offline GraphiQL page and
its assets, the spec files and Swagger UI (``meshery.apidocs``). Everything
else is mounted Connexion, which routes and validates REST from the bundled
spec (``meshery.apispec``, parsed once). In front of all of it,
``meshery.dispatch`` serves every request that matches an operation from a
table built once from the same spec and Connexion operation objects; the rest
(404, 405, redirects, HEAD) still takes the Connexion path. The outer lifespan
starts and stops the store, the bus and (later) MeshSync and adapter watchers,
in one place.
"""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from ariadne.asgi import GraphQL
from connexion import AsyncApp
from connexion.exceptions import ProblemException
from connexion.middleware import main as connexion_main
from connexion.middleware.context import ContextMiddleware
from connexion.middleware.exceptions import ExceptionMiddleware
from connexion.middleware.lifespan import LifespanMiddleware
from connexion.middleware.request_validation import RequestValidationMiddleware
from connexion.middleware.routing import RoutingMiddleware
from connexion.middleware.server_error import ServerErrorMiddleware
from connexion.resolver import Resolver
from connexion.spec import Specification
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import HTTPConnection, Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles

from generated import errors as catalog
from generated.graphql_schema import ROOT_FIELDS
from generated.operations import OPERATIONS
from meshery import answers, apidocs, apispec, context, dispatch, errors, lifecycle, session, ui, validation, wiring
from meshery import limits as request_limits
from meshery.config import Settings
from meshery.graphql import cache, schema, transport
from meshery.graphql.playground import page as playground
from meshery.observability import gql as observed_graphql
from meshery.observability import rest as observed_rest
from meshery.observability import setup as observability
from meshery.providers import ProviderRegistry

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


REST_OPTIONS: dict[str, Any] = {
    "pythonic_params": True,
    "strict_validation": True,
    "validator_map": validation.VALIDATOR_MAP,
}


def resolver(bound: wiring.Wiring) -> Resolver:
    """operationId -> handler, each through ``answers.wrap``: no handler result skips ``answers.finish``."""
    return Resolver(function_resolver=lambda op_id: answers.wrap(op_id, bound.operations[op_id]))


def build_rest(
    state: context.AppState,
    bound: wiring.Wiring,
    *,
    middlewares: list[object] | None = None,
    spec: Specification | None = None,
) -> AsyncApp:
    rest = AsyncApp(__name__, middlewares=rest_middlewares(state) if middlewares is None else middlewares)
    # AsyncApp.add_api only takes a file or a dict, which it parses and validates again;
    # register the already-loaded spec the way add_api does after that step.
    connexion = rest.middleware
    options = connexion.options.replace(resolver=resolver(bound), **REST_OPTIONS)
    connexion.apis.append(connexion_main.API(spec or apispec.specification(), base_path=None, **options.__dict__))
    for exc_class in (Exception, HTTPException, ProblemException):
        rest.add_error_handler(exc_class, errors.connexion_handler)
    return rest


def build_dispatch(bound: wiring.Wiring, *, spec: Specification) -> dispatch.Table:
    """The precomputed REST table (``meshery.dispatch``), over the same spec and handlers."""
    return dispatch.build_table(
        spec,
        resolver=resolver(bound),
        operations=OPERATIONS,
        validator_map=REST_OPTIONS["validator_map"],
        strict_validation=REST_OPTIONS["strict_validation"],
    )


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
        http_handler=transport.HTTPHandler(extensions=observed_graphql.extensions),
        websocket_handler=transport.ProtocolSwitch(),
    )


def create_app(settings: Settings) -> Starlette:
    """The whole server as one ASGI app; nothing starts until its lifespan runs."""
    bound = wiring.bind(OPERATIONS, ROOT_FIELDS)
    observability.configure(settings)  # traces (OTEL_CONFIG, OTEL_*) and metrics (METRICS_ACCESS)
    state = context.AppState(providers=ProviderRegistry.from_settings(settings))
    spec = apispec.specification()
    rest = build_rest(state, bound, spec=spec)
    table = build_dispatch(bound, spec=spec)
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

    own_routes = [
        # No method lists: a Route restricted to some methods would let
        # other methods fall through to the REST mount and answer 404.
        Route(GRAPHQL_PATH, gql),
        WebSocketRoute(GRAPHQL_PATH, gql),
        Route(PLAYGROUND_PATH, apidocs.read_only(playground_page)),
        Mount(PLAYGROUND_STATIC, StaticFiles(directory=playground.static_dir())),
        *apidocs.routes(),
    ]
    sessions = session.SessionMiddleware(rest, state=state)
    # With MESHERY_UI_PATH, a UI static export answers what no route does (meshery.ui).
    ui_files = [Middleware(ui.UIFiles, root=settings.ui_path, table=table, state=state)] if settings.ui_path else []
    app = Starlette(
        routes=[*own_routes, Mount("/", rest)],
        middleware=[
            # Spans and metrics of every request (meshery.observability.rest), outside everything.
            Middleware(observed_rest.Observer, names={GRAPHQL_PATH: "graphql", PLAYGROUND_PATH: "graphqlPlayground"}),
            # Control characters, JSON depth and body sizes refused before any route (meshery.limits).
            Middleware(request_limits.RequestLimits, limits=request_limits.Limits.of(settings)),
            *ui_files,
            Middleware(
                dispatch.Dispatcher,
                table=table,
                sessions=sessions,
                shadowed=dispatch.shadowing_prefixes(own_routes),
            ),
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
