"""Authentication from the spec: one ASGI middleware enforces each operation's security.

It runs inside Connexion after routing, so it knows the operation; the
operation's ``security`` (copied into the generated table) says whether a
provider session is needed, and ``unauthenticated`` whether a request without
one gets a 401 (APIs) or upstream's login redirect (pages). The request's
provider comes from ``meshery.providers.registry``; the request context is
set here for handlers. A token the provider refreshed goes back to the client
as the ``token`` cookie.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from http.cookies import SimpleCookie

from starlette.datastructures import MutableHeaders
from starlette.requests import HTTPConnection
from starlette.responses import RedirectResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from generated import errors
from generated.operations import OPERATIONS, OperationInfo
from meshery import context
from meshery.providers.registry import PROVIDER_COOKIE, ProviderRegistry

ROUTING = "connexion_routing"
TOKEN_COOKIE = "token"
TOKEN_COOKIE_SECONDS = 24 * 3600


def session_token(conn: HTTPConnection) -> str | None:
    """The session token: ``Authorization: Bearer`` first, then the ``token`` cookie."""
    auth = conn.headers.get("authorization", "")
    scheme, _, value = auth.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return conn.cookies.get(TOKEN_COOKIE) or None


def request_info(conn: HTTPConnection) -> context.RequestInfo:
    url = conn.url
    return context.RequestInfo(
        base_url=f"{url.scheme}://{url.netloc}",
        path=url.path,
        query=url.query,
        cookies=dict(conn.cookies),
        secure=url.scheme == "https",
        accept=conn.headers.get("accept", ""),
    )


async def build_context(
    conn: HTTPConnection, *, services: context.Services, providers: ProviderRegistry, required: bool
) -> context.RequestContext:
    """Authenticate a request; raises ErrUnauthenticated when a session is required."""
    token = session_token(conn)
    provider = providers.for_request(conn.cookies.get(PROVIDER_COOKIE))
    creds = context.Credentials(token=token)
    user: context.User | None = None
    if provider is not None:
        found = await provider.authenticate(token=token)
        if isinstance(found, context.Session):
            user = found.user
            if found.refreshed and found.token:
                creds.replace(found.token)
        else:
            user = found
    if user is None and required:
        if provider is None:
            raise errors.ErrUnauthenticated("no provider chosen: choose one at /provider (meshery-provider cookie)")
        raise errors.ErrUnauthenticated(f"provider {provider.name} did not accept the session")
    return context.RequestContext(
        services=services,
        provider=provider.name if provider is not None else "",
        user=user,
        token=creds.token,
        provider_impl=provider,
        credentials=creds,
        request=request_info(conn),
    )


def login_redirect(conn: HTTPConnection) -> str:
    """Upstream ``HandleUnAuthenticated``: the provider's login page when one is chosen, else the chooser."""
    if conn.cookies.get(PROVIDER_COOKIE):
        target = conn.url.path + (f"?{conn.url.query}" if conn.url.query else "")
        ref = base64.urlsafe_b64encode(target.encode()).decode().rstrip("=")
        return f"/auth/login?ref={ref}"
    return "/provider"


def token_cookie(token: str, *, secure: bool) -> str:
    """The ``Set-Cookie`` value of a session token (HttpOnly, 24 h)."""
    cookie: SimpleCookie = SimpleCookie()
    cookie[TOKEN_COOKIE] = token
    morsel = cookie[TOKEN_COOKIE]
    morsel["path"] = "/"
    morsel["httponly"] = True
    morsel["samesite"] = "Lax"
    morsel["max-age"] = TOKEN_COOKIE_SECONDS
    if secure:
        morsel["secure"] = True
    return morsel.OutputString()


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
        if info is None:
            # Unmatched routes fall through to the 404/405 handlers.
            await self.app(scope, receive, send)
            return
        await self.serve(info, scope, receive, send, self.app)

    async def serve(self, info: OperationInfo, scope: Scope, receive: Receive, send: Send, app: ASGIApp) -> None:
        """Authenticate one request of operation ``info``, then run ``app`` in its context.

        Also called directly by ``meshery.dispatch``, which routes without Connexion.
        """
        services = self.state.services
        if services is None:
            await app(scope, receive, send)
            return
        conn = HTTPConnection(scope)
        try:
            ctx = await build_context(conn, services=services, providers=self.state.providers, required=not info.public)
        except errors.ErrUnauthenticated:
            if info.unauthenticated != "redirect":
                raise
            await RedirectResponse(login_redirect(conn), status_code=302)(scope, receive, send)
            return
        creds = ctx.credentials

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start" and creds.refreshed and creds.token:
                headers = MutableHeaders(scope=message)
                headers.append("set-cookie", token_cookie(creds.token, secure=ctx.request.secure))
            await send(message)

        token = context.activate(ctx)
        try:
            await app(scope, receive, send_with_cookie)
        finally:
            context.deactivate(token)
