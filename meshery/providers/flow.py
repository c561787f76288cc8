"""The provider pages: chooser, login, token callback, logout (upstream's auth routes).

Handlers of the ``providers`` area call these; each answers with a redirect
carrying the cookies upstream sets: ``meshery-provider`` (the chosen
provider, 30 days) and ``token`` (the session, HttpOnly, 24 h).
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import html
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlencode

from generated import errors
from meshery import http
from meshery.context import RequestContext, Services
from meshery.providers.base import BaseProvider
from meshery.providers.local import LocalProvider
from meshery.providers.registry import PROVIDER_COOKIE, PROVIDER_COOKIE_SECONDS, ProviderRegistry
from meshery.providers.remote import RemoteProvider

TOKEN_COOKIE = "token"
TOKEN_COOKIE_SECONDS = 24 * 3600
STREAM_INTERVAL = 10.0


def registry(services: Services) -> ProviderRegistry:
    if services.providers is None:
        raise errors.ErrDatabaseNotReady("providers are not loaded yet")
    return services.providers


def providers_map(services: Services) -> dict[str, dict[str, Any]]:
    return {name: p.properties() for name, p in registry(services).all().items()}


async def availability(services: Services) -> dict[str, dict[str, Any]]:
    found = registry(services).all()
    states = await asyncio.gather(*(p.available() for p in found.values()))
    return {
        name: {"available": ok, "providerType": p.provider_type, "providerUrl": p.url}
        for (name, p), ok in zip(found.items(), states, strict=True)
    }


async def availability_stream(
    services: Services, *, follow: bool, interval: float = STREAM_INTERVAL
) -> AsyncIterator[Any]:
    """The availability map now, then (when following) again whenever it changes.

    Only clients that ask for ``text/event-stream`` (EventSource does) follow;
    any other client gets the first event and the end of the stream, so
    plain HTTP tools and fuzzers do not hang on an endless body.
    """
    last: dict[str, Any] | None = None
    while True:
        current = await availability(services)
        if current != last:
            yield current
            last = current
        if not follow:
            return
        await asyncio.sleep(interval)


def decode_ref(ref: str | None) -> str | None:
    """A base64url ``ref`` as a local path, or None (never an absolute URL: no open redirects)."""
    if not ref:
        return None
    try:
        path = base64.urlsafe_b64decode(ref + "=" * (-len(ref) % 4)).decode()
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return None
    return path if path.startswith("/") and not path.startswith("//") and "\\" not in path else None


def _current(ctx: RequestContext) -> BaseProvider | None:
    return ctx.provider_impl if isinstance(ctx.provider_impl, BaseProvider) else None


def choose(ctx: RequestContext, name: str, ref: str | None) -> http.Raw:
    """``/api/provider``: remember the provider and go on to its login."""
    reg = registry(ctx.services)
    chosen = reg.get(name)
    enforced = reg.enforced
    if chosen is None or (enforced is not None and chosen is not enforced):
        raise errors.ErrUnknownProvider(f"{name!r} is not offered here")
    cookie = http.Cookie(PROVIDER_COOKIE, name, max_age=PROVIDER_COOKIE_SECONDS, secure=ctx.request.secure)
    if isinstance(chosen, LocalProvider):
        return http.redirect("/", cookies=[cookie])
    query = {"provider": name, **({"ref": ref} if ref else {})}
    return http.redirect(f"/user/login?{urlencode(query)}", cookies=[cookie])


def chooser(ctx: RequestContext) -> http.Answer | http.Raw:
    """``/provider``: the chooser page, or straight to the enforced provider."""
    reg = registry(ctx.services)
    enforced = reg.enforced
    if enforced is not None:
        return http.redirect(f"/api/provider?{urlencode({'provider': enforced.name})}")
    items = "".join(
        f'<li><a href="/api/provider?{html.escape(urlencode({"provider": name}))}">{html.escape(name)}</a>'
        f" ({html.escape(p.provider_type)})</li>"
        for name, p in reg.all().items()
    )
    return http.html(
        f"<!doctype html><title>Meshery: choose a provider</title><h1>Choose a provider</h1><ul>{items}</ul>"
    )


def to_login(*, provider: str | None, ref: str | None) -> http.Raw:
    """``/auth/login`` (upstream: the provider UI's login page): on to ``/user/login``."""
    query = urlencode({k: v for k, v in (("provider", provider), ("ref", ref)) if v})
    return http.redirect("/user/login" + (f"?{query}" if query else ""))


def initiate_login(ctx: RequestContext, ref: str | None) -> http.Raw:
    """``/user/login``: local -> ``/``; remote -> the provider's login page."""
    provider = _current(ctx)
    if provider is None:
        return http.redirect("/provider")
    settings = ctx.services.settings
    callback = (settings.meshery_server_callback_url or ctx.request.base_url) + "/api/user/token"
    start = provider.login(callback_url=callback, ref=decode_ref(ref) or "/", has_session=ctx.user is not None)
    cookies = [http.Cookie(name, value, max_age=age, secure=ctx.request.secure) for name, value, age in start.cookies]
    return http.redirect(start.location, cookies=cookies)


async def _provider_of_token(ctx: RequestContext, token: str) -> tuple[BaseProvider, str]:
    """The remote provider that issued a token (the request's first), and the token to keep."""
    reg = registry(ctx.services)
    current = _current(ctx)
    candidates = [p for p in reg.providers if isinstance(p, RemoteProvider)]
    if isinstance(current, RemoteProvider):
        candidates.sort(key=lambda p: p is not current)
    for provider in candidates:
        session = await provider.authenticate(token=token)
        if session is not None:
            return provider, session.token or token
    raise errors.ErrUnauthenticated("the token was not issued by a provider of this server, or it has expired")


async def receive_token(ctx: RequestContext, token: str, ref: str | None) -> http.Raw:
    """``/api/user/token``: verify the provider's token, keep it in the cookie, go back to ``ref``."""
    provider, kept = await _provider_of_token(ctx, token)
    ref_cookie = ctx.request.cookies.get(getattr(provider, "ref_cookie", ""), "")
    target = decode_ref(ref) or (ref_cookie if ref_cookie.startswith("/") and not ref_cookie.startswith("//") else "/")
    secure = ctx.request.secure
    return http.redirect(
        target,
        cookies=[
            http.Cookie(TOKEN_COOKIE, kept, max_age=TOKEN_COOKIE_SECONDS, secure=secure),
            http.Cookie(PROVIDER_COOKIE, provider.name, max_age=PROVIDER_COOKIE_SECONDS, secure=secure),
        ],
    )


async def auth_redirect(ctx: RequestContext, token: str) -> http.Raw:
    """``/auth/redirect``: like the token callback, always back to ``/``."""
    provider, kept = await _provider_of_token(ctx, token)
    secure = ctx.request.secure
    return http.redirect(
        "/",
        cookies=[
            http.Cookie(TOKEN_COOKIE, kept, max_age=TOKEN_COOKIE_SECONDS, secure=secure),
            http.Cookie(PROVIDER_COOKIE, provider.name, max_age=PROVIDER_COOKIE_SECONDS, secure=secure),
        ],
    )


async def logout(ctx: RequestContext) -> http.Raw:
    """``/user/logout``: end the session at the provider, clear the token cookie, back to the chooser."""
    provider = _current(ctx)
    if provider is not None and ctx.credentials.token:
        await provider.logout(ctx.credentials, session_cookie=ctx.request.cookies.get("session_cookie"))
    return http.redirect("/provider", cookies=[http.Cookie(TOKEN_COOKIE, "", max_age=0, secure=ctx.request.secure)])


def token_info(ctx: RequestContext) -> dict[str, str]:
    return {"meshery-provider": ctx.provider, "token": ctx.credentials.token or ""}


def index_page(ctx: RequestContext) -> http.Answer:
    user = ctx.user
    who = html.escape(f"{user.first_name} {user.last_name}".strip() or user.user_id) if user else "nobody"
    return http.html(
        "<!doctype html><title>Meshery</title>"
        f"<p>Signed in as {who} with provider {html.escape(ctx.provider)}.</p>"
        '<p><a href="/api/user">/api/user</a> · <a href="/api/user/prefs">/api/user/prefs</a> · '
        '<a href="/user/logout">log out</a></p>'
    )


def error_page() -> http.Answer:
    return http.html(
        "<!doctype html><title>Meshery: error</title><h1>Something went wrong while logging in</h1>"
        '<p><a href="/provider">Choose a provider</a> and try again.</p>'
    )
