"""API area "extensions": the remote provider's extension API and package files.

Forwarding is upstream's ``ExtensionsHandler``/``ExtensionProxy``; package files its
``ProviderComponentsHandler``. The query string is forwarded as the client sent it (the declared
parameters only let the usual ones through validation).
"""

from __future__ import annotations

import asyncio
from typing import Any

from generated import errors
from generated.handler_types import ExtensionQuery
from meshery import context, http
from meshery.providers import extensions


async def _forward(method: str, path: str, body: Any = None) -> http.Raw:
    ctx = context.current()
    reply = await extensions.forward(
        ctx.provider_impl, ctx.credentials, method=method, path=path, query=ctx.request.query, body=body
    )
    status = reply.status if reply.status in (200, 201) else 200
    return http.raw(reply.body or b"{}", status)


async def proxy_extension_get(path: str, extension_query: ExtensionQuery) -> http.Raw:
    return await _forward("GET", path)


async def proxy_extension_post(path: str, extension_query: ExtensionQuery, body: Any = None) -> http.Raw:
    return await _forward("POST", path, body)


async def proxy_extension_put(path: str, extension_query: ExtensionQuery, body: Any = None) -> http.Raw:
    return await _forward("PUT", path, body)


async def proxy_extension_delete(path: str, extension_query: ExtensionQuery, body: Any = None) -> http.Raw:
    return await _forward("DELETE", path, body)


async def install_provider_extension(body: dict[str, Any]) -> http.Answer:
    raise errors.ErrExtensionInstallUnsupported(f"extension type {body.get('extType')!r}")


async def remove_provider_extension(body: dict[str, Any]) -> http.Answer:
    raise errors.ErrExtensionInstallUnsupported(f"extension {body.get('title')!r}")


async def get_provider_extension_file(path: str) -> http.Raw:
    ctx = context.current()
    settings = ctx.services.settings
    file, media = await extensions.package_file(
        ctx.provider_impl, settings.user_data_folder, path, download=not settings.skip_download_extensions
    )
    return http.raw(await asyncio.to_thread(file.read_bytes), media_type=media)
