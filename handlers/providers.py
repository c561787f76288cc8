"""API area "providers": the provider chooser, login, token callback, logout and tokens."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from generated import errors
from meshery import context, http
from meshery.providers import flow
from meshery.providers.base import BaseProvider


async def list_providers() -> http.Answer:
    return http.json(flow.providers_map(context.current().services))


async def stream_providers() -> http.Raw:
    ctx = context.current()
    events: AsyncIterator[Any] = flow.availability_stream(
        ctx.services, follow="text/event-stream" in ctx.request.accept
    )
    return http.event_stream(events)


async def choose_provider(provider: str, ref: str | None = None) -> http.Raw:
    return flow.choose(context.current(), provider, ref)


async def get_provider_capabilities() -> http.Answer:
    ctx = context.current()
    provider = ctx.provider_impl
    if not isinstance(provider, BaseProvider) or ctx.user is None:
        raise errors.ErrUnauthenticated("no provider session")
    return http.json(await provider.capabilities_for(ctx.user, ctx.credentials))


async def get_provider_chooser() -> http.Answer | http.Raw:
    return flow.chooser(context.current())


async def get_auth_login(provider: str | None = None, ref: str | None = None) -> http.Raw:
    return flow.to_login(provider=provider, ref=ref)


async def initiate_login(provider: str | None = None, ref: str | None = None) -> http.Raw:
    return flow.initiate_login(context.current(), ref)


async def logout() -> http.Raw:
    return await flow.logout(context.current())


async def receive_token(token: str, ref: str | None = None) -> http.Raw:
    return await flow.receive_token(context.current(), token, ref)


async def receive_token_post(token: str, ref: str | None = None) -> http.Raw:
    return await flow.receive_token(context.current(), token, ref)


async def auth_redirect(token: str) -> http.Raw:
    return await flow.auth_redirect(context.current(), token)


async def get_token() -> http.Answer:
    return http.json(flow.token_info(context.current()))


async def get_error_page() -> http.Answer:
    return flow.error_page()


async def get_index_page() -> http.Answer:
    return flow.index_page(context.current())
