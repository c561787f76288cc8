"""Pages of filters as lists answer them: the ``visibility`` reader and the GraphQL ``FilterPage``.

REST (``GET /api/filter``) and GraphQL (the filters half of ``subscribeConfiguration``) list the
same rows; this module reads their list arguments and shapes the page.
"""

from __future__ import annotations

from typing import Any

from generated import errors
from generated.answers import wire_time
from meshery.context import Services, User
from meshery.designs import service as design_service
from meshery.filters import service, wire


def visibilities(value: str | None) -> list[str]:
    """``["private","public"]`` (the UI's JSON array) or ``private,public``; a 4xx for anything else."""
    return design_service.visibility_list(value, errors.ErrFilterQueryInvalid)


async def page(
    services: Services,
    user: User | None,
    *,
    page: int,
    page_size: int,
    search: str | None,
    order: str | None,
    visibilities: list[str],
) -> dict[str, Any]:
    """One page of the user's readable filters as the answer's values (no modules)."""
    result = await service.list_records(
        services, user, page=page, page_size=page_size, search=search, order=order, visibilities=visibilities
    )
    return wire.page(result.page, result.page_size, result.total, result.rows)


def selector(value: dict[str, Any] | None) -> dict[str, Any]:
    """The list arguments of a GraphQL ``PageFilter`` (page and pageSize arrive as text or numbers)."""
    sel = value or {}
    try:
        number, size = int(sel.get("page") or 0), int(sel.get("pageSize") or 10)
    except (TypeError, ValueError):
        raise errors.ErrFilterQueryInvalid("page and pageSize must be integers") from None
    return {
        "page": min(max(number, 0), 10_000_000),
        "page_size": min(max(size, 1), 1000),
        "search": sel.get("search") or None,
        "order": sel.get("order") or None,
        "visibilities": visibilities(",".join(str(v) for v in sel.get("visibility") or [])),
    }


def graphql_page(value: dict[str, Any]) -> dict[str, Any]:
    """A filter page as GraphQL ``FilterPage`` (times as text, empty catalog data as null)."""
    return {
        "page": value["page"],
        "page_size": value["page_size"],
        "total_count": value["total_count"],
        "filters": [
            {
                **f,
                "catalog_data": f.get("catalog_data") or None,
                "created_at": wire_time(f["created_at"]),
                "updated_at": wire_time(f["updated_at"]),
            }
            for f in value["filters"]
        ],
    }


async def configuration_filters(
    services: Services, user: User | None, filter_selector: dict[str, Any] | None
) -> dict[str, Any]:
    """The ``filters`` of ``subscribeConfiguration``: the page ``filterSelector`` asks for."""
    return graphql_page(await page(services, user, **selector(filter_selector)))
