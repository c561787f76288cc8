"""The catalog operations of a request: the remote provider's catalog when it offers one, else
this server's (``local``).

Each operation answers a value for the spec's encoder (this server's catalog) or the provider's
answer as it is (``Forwarded``). Sharing by e-mail exists only at a provider: without one offering
it, the answer is upstream's local-provider refusal (403).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from generated import errors
from generated.handler_types import EVERY_ITEM
from meshery.catalog import local, remote
from meshery.catalog.kinds import kind as kind_named
from meshery.catalog.remote import Forwarded
from meshery.context import RequestContext
from meshery.store.catalog import CatalogQuery

MAX_PAGE = 10_000_000


@dataclass(frozen=True)
class ListRequest:
    """A catalog list as the client asked for it (upstream's parameter names in ``passed``)."""

    page: int = 0
    page_size: int | None = None  # None: every item (upstream: absent or 0 is "all")
    search: str | None = None
    order: str | None = None
    classes: Sequence[str] = ()
    technologies: Sequence[str] = ()
    types: Sequence[str] = ()
    owners: Sequence[str] = ()
    passed: Mapping[str, str | Sequence[str] | None] = field(default_factory=dict)


async def list_page(ctx: RequestContext, kind_name: str, request: ListRequest) -> dict[str, Any] | Forwarded:
    """One page of the catalog of a kind: ``{page, page_size, total_count, <patterns|filters>}``."""
    kind = kind_named(kind_name)
    at_provider = remote.provider_for(ctx, kind.catalog_feature)
    if at_provider is not None:
        provider, endpoint = at_provider
        return await remote.forward(ctx, provider, "GET", endpoint, query=request.passed)
    every = request.page_size is None
    page = 0 if every else request.page
    listing = await local.list_published(
        ctx.services,
        kind,
        CatalogQuery(
            search=request.search,
            classes=request.classes,
            technologies=request.technologies,
            types=request.types,
            owners=request.owners,
        ),
        page=page,
        page_size=EVERY_ITEM if every else max(1, request.page_size or 1),
        order=request.order,
    )
    return {
        "page": page,
        "page_size": 0 if every else listing.page_size,
        "total_count": listing.total,
        kind.page_key: listing.records,
    }


def _catalog_data(body: Mapping[str, Any]) -> dict[str, Any] | None:
    data = body.get("catalog_data")
    if data is None:
        data = body.get("catalogData")
    if data is None:
        return None
    if not isinstance(data, dict):
        raise errors.ErrCatalogBodyInvalid("catalog_data must be an object")
    return data


async def publish(ctx: RequestContext, kind_name: str, body: Mapping[str, Any]) -> dict[str, Any] | Forwarded:
    kind = kind_named(kind_name)
    item_id = local.content_id(body.get("id"))
    data = _catalog_data(body)
    at_provider = remote.provider_for(ctx, kind.catalog_feature)
    if at_provider is not None:
        provider, endpoint = at_provider
        return await remote.forward(ctx, provider, "POST", endpoint, body={"id": item_id, "catalog_data": data or {}})
    return await local.publish(ctx.services, ctx.user, kind, item_id, data)


async def unpublish(ctx: RequestContext, kind_name: str, body: Mapping[str, Any]) -> dict[str, Any] | Forwarded:
    kind = kind_named(kind_name)
    item_id = local.content_id(body.get("id"))
    at_provider = remote.provider_for(ctx, kind.catalog_feature)
    if at_provider is not None:
        provider, endpoint = at_provider
        data = _catalog_data(body)
        return await remote.forward(
            ctx, provider, "DELETE", endpoint, body={"id": item_id, "catalog_data": data or {}}
        )
    return await local.unpublish(ctx.services, ctx.user, kind, item_id)


async def share(ctx: RequestContext, kind_name: str, body: Mapping[str, Any]) -> dict[str, Any]:
    """Share content by e-mail at the provider; ``{"message": "<Label> shared"}``."""
    kind = kind_named(kind_name)
    at_provider = remote.provider_for(ctx, kind.share_feature)
    if at_provider is None:
        raise errors.ErrShareNotSupported(f"{ctx.provider} does not offer {kind.share_feature}")
    provider, endpoint = at_provider
    await remote.forward(ctx, provider, "POST", endpoint, body=dict(body))
    return {"message": f"{kind.label} shared"}


def items_of(kind_name: str, page: dict[str, Any] | Forwarded) -> list[dict[str, Any]]:
    """The items of a catalog page (a provider's page read as upstream's resolver reads it)."""
    kind = kind_named(kind_name)
    if isinstance(page, Forwarded):
        try:
            data = json.loads(page.body) if page.body else {}
        except ValueError:
            data = {}
        items = data.get(kind.page_key) if isinstance(data, dict) else data
        return [i for i in items if isinstance(i, dict)] if isinstance(items, list) else []
    return list(page[kind.page_key])
