"""Ariadne HTTP and WebSocket handlers adapted to Meshery's clients.

HTTP: GET and POST queries; malformed requests and wrong methods answer with
the MeshKit envelope (a 400 that GraphQL clients read keeps its ``errors``
list beside the envelope fields).

WebSocket: the newer ``graphql-transport-ws`` protocol and the legacy
``graphql-ws`` one (subscriptions-transport-ws, which the upstream UI
speaks), chosen by the subprotocol the client offers.
"""

from __future__ import annotations

import json
from http import HTTPStatus
from typing import Any

from ariadne.asgi.handlers import GraphQLHTTPHandler, GraphQLTransportWSHandler, GraphQLWSHandler
from ariadne.asgi.handlers.base import GraphQLWebsocketHandlerBase
from ariadne.exceptions import HttpError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket

from generated import errors
from meshery.errors import BASE_HEADERS, shorten, starlette_response

LEGACY_PROTOCOL = "graphql-ws"
TRANSPORT_PROTOCOL = "graphql-transport-ws"


class HTTPHandler(GraphQLHTTPHandler):
    async def handle_request_override(self, request: Request) -> Response | None:
        if request.method == "GET" and not request.query_params.get("query"):
            return starlette_response(errors.ErrGraphQLRequest("a GET request needs a `query` parameter"))
        return None

    async def extract_data_from_request(self, request: Request) -> Any:
        # Ariadne answers a malformed request with plain text; raising a
        # catalogued error instead lets the app's handler answer the envelope.
        try:
            return await super().extract_data_from_request(request)
        except HttpError as exc:
            raise errors.ErrGraphQLRequest(exc.message or None) from exc

    async def create_json_response(self, request: Request, result: dict[str, Any], success: bool) -> Response:
        if success or result.get("data") is not None:
            return JSONResponse(result)
        # Messages echo the query and variables: each is cut, as every error answer (meshery.errors.shorten).
        found = [{**e, "message": shorten(str(e.get("message", "")))} for e in result.get("errors", [])]
        err = errors.ErrGraphQLRequest(shorten("; ".join(m for e in found if (m := e["message"]))) or None)
        body = {**err.envelope(), **result}
        if "errors" in result:
            body["errors"] = found
        return Response(
            json.dumps(body, separators=(",", ":")),
            status_code=HTTPStatus.BAD_REQUEST,
            headers=BASE_HEADERS,
            media_type="application/json; charset=utf-8",
        )

    def handle_not_allowed_method(self, request: Request) -> Response:
        allow = "GET, OPTIONS, POST"
        if request.method == "OPTIONS":
            return Response(headers={"Allow": allow})
        return starlette_response(errors.ErrMethodNotAllowed(f"allowed: {allow}", headers={"Allow": allow}))


class ProtocolSwitch(GraphQLWebsocketHandlerBase):
    """Serves each WebSocket with the protocol its client asked for."""

    def __init__(self) -> None:
        super().__init__()
        self.transport = GraphQLTransportWSHandler()
        self.legacy = GraphQLWSHandler()

    def configure(self, *args: Any, **kwargs: Any) -> None:
        super().configure(*args, **kwargs)
        self.transport.configure(*args, **kwargs)
        self.legacy.configure(*args, **kwargs)

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        offered = scope.get("subprotocols") or []
        if TRANSPORT_PROTOCOL in offered:
            await self.transport.handle(scope, receive, send)
        else:
            # The legacy protocol is the upstream UI's; it is also the default
            # for clients that offer no subprotocol.
            await self.legacy.handle(scope, receive, send)

    async def handle_websocket(self, websocket: WebSocket) -> None:
        await self.handle(websocket.scope, websocket.receive, websocket.send)
