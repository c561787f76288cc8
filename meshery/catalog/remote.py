"""The catalog of a remote provider: the requests forwarded with the user's token.

As upstream's ``RemoteProvider``: the list is ``GET <endpoint>`` of the kind's catalog
capability (``meshery-patterns-catalog``, ``meshery-filters-catalog``) with the query as given,
publish is ``POST <endpoint>`` and unpublish ``DELETE <endpoint>`` with the body
``{"id", "catalog_data"}``, and sharing is ``POST <endpoint>`` of ``share-designs`` /
``share-filters`` with the client's body. A 2xx answer is passed on as the provider's JSON;
a 404 is the catalogued not-found, any other error status the catalogued provider error
(a 4xx with its own status).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlencode

from generated import errors
from meshery.context import RequestContext
from meshery.providers.remote import Forwarded, RemoteProvider

__all__ = ["Forwarded", "forward", "provider_for"]


def provider_for(ctx: RequestContext, feature: str) -> tuple[RemoteProvider, str] | None:
    """The session's remote provider and its endpoint of ``feature``, when it offers it."""
    provider = ctx.provider_impl
    if not isinstance(provider, RemoteProvider):
        return None
    endpoint = provider.endpoint(feature)
    if not endpoint:
        return None
    return provider, endpoint


def query_string(query: Mapping[str, str | Sequence[str] | None]) -> str:
    """The given parameters (repeated ones repeated), in upstream's names."""
    pairs: list[tuple[str, str]] = []
    for key, value in query.items():
        if value is None or value == "":
            continue
        if isinstance(value, str):
            pairs.append((key, value))
        else:
            pairs.extend((key, str(v)) for v in value)
    return urlencode(pairs)


async def forward(
    ctx: RequestContext,
    provider: RemoteProvider,
    method: str,
    endpoint: str,
    *,
    query: Mapping[str, str | Sequence[str] | None] | None = None,
    body: Any = None,
) -> Forwarded:
    """One catalog or share request passed to the provider; its 2xx JSON answer as it is."""
    text = query_string(query or {})
    path = f"{endpoint}?{text}" if text else endpoint
    response = await provider.forward(method, path, ctx.credentials, body=body)
    where = f"{provider.url}{endpoint}"
    status = response.status_code
    if status == 404:
        raise errors.ErrCatalogProviderNotFound(f"{where} answered 404")
    if not 200 <= status < 300:
        refused = 400 <= status < 500 and status not in (401, 403)
        raise errors.ErrCatalogProviderError(f"{where} answered {status}", status=status if refused else None)
    content = response.content
    if status == 204 or not content.strip():
        return Forwarded(status, b"")
    try:
        json.loads(content)
    except ValueError:
        raise errors.ErrCatalogProviderError(f"{where} did not answer JSON") from None
    return Forwarded(status, content)
