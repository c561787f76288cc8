"""Authentication from the spec: one ASGI middleware enforces each operation's security.

It runs inside Connexion after routing, so it knows the operation; the
operation's ``security`` (copied into the generated table) says whether a
provider session is needed. The request context is set here for handlers.
"""

from __future__ import annotations

from collections.abc import Mapping

from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Receive, Scope, Send

from generated import errors
from generated.operations import OPERATIONS, OperationInfo
from meshery import context

ROUTING = "connexion_routing"


def session_token(conn: HTTPConnection) -> str | None:
    """The session token: ``Authorization: Bearer`` first, then the ``token`` cookie."""
    auth = conn.headers.get("authorization", "")
    scheme, _, value = auth.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return conn.cookies.get("token") or None


async def build_context(
    conn: HTTPConnection, *, services: context.Services, provider: context.Provider, required: bool
) -> context.RequestContext:
    """Authenticate a request; raises ErrUnauthenticated when a session is required."""
    token = session_token(conn)
    user = await provider.authenticate(token=token)
    if user is None and required:
        raise errors.ErrUnauthenticated(f"provider {provider.name} did not accept the session")
    return context.RequestContext(services=services, provider=provider.name, user=user, token=token)


class SessionMiddleware:
    """Connexion middleware (placed after routing) enforcing the spec's security."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        state: context.AppState,
        operations: Mapping[str, OperationInfo] = OPERATIONS,
    ) -> None:
        self.app = app
        self.state = state
        self.operations = operations

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        op_id = scope.get("extensions", {}).get(ROUTING, {}).get("operation_id")
        info = self.operations.get(op_id) if op_id else None
        services = self.state.services
        if info is None or services is None:
            # Unmatched routes fall through to the 404/405 handlers.
            await self.app(scope, receive, send)
            return
        ctx = await build_context(
            HTTPConnection(scope), services=services, provider=self.state.provider, required=not info.public
        )
        token = context.activate(ctx)
        try:
            await self.app(scope, receive, send)
        finally:
            context.deactivate(token)
