"""API area "catalog": publish and unpublish designs and filters, list the catalog, share content;
and the GraphQL catalog queries (fetchPatternCatalogContent, fetchFilterCatalogContent)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import parse_qs

from generated import errors
from generated.answers import wire_time
from generated.handler_types import Paging
from meshery import context, http
from meshery.catalog import service
from meshery.catalog.local import values
from meshery.catalog.remote import Forwarded
from meshery.identity import spelled

DESIGNS = "pattern"
FILTERS = "filter"


def _reply(operation_id: str, value: dict[str, Any] | Forwarded, status: int = 200) -> http.Reply:
    """This server's answer (encoded from the spec) or the provider's (with both spellings added)."""
    if isinstance(value, Forwarded):
        # Upstream answers its own status for a provider's success (202 for a publish).
        answered = Forwarded(status, value.body)
        return http.raw(spelled(operation_id, answered), answered.status)
    return http.json(value, status)


def _list_request(paging: Paging, **filters: Sequence[str] | None) -> service.ListRequest:
    ctx = context.current()
    return service.ListRequest(
        page=paging.page,
        page_size=None if paging.unbounded or not paging.size else paging.size,
        search=paging.search,
        order=paging.order,
        classes=values(filters.get("class_")),
        technologies=values(filters.get("technology")),
        types=values(filters.get("type_")),
        owners=values(filters.get("userid")),
        passed=_raw_query(ctx.request.query),
    )


def _raw_query(query: str) -> dict[str, list[str]]:
    """The client's query as it came (forwarded as is: upstream passes every catalog parameter)."""
    return parse_qs(query, keep_blank_values=False)


async def get_catalog_patterns(
    *,
    paging: Paging,
    metrics: str | None = None,
    populate: list[str] | None = None,
    class_: list[str] | None = None,
    technology: list[str] | None = None,
    type_: list[str] | None = None,
    userid: list[str] | None = None,
    org_id: list[str] | None = None,
    workspace_id: list[str] | None = None,
) -> http.Reply:
    request = _list_request(paging, class_=class_, technology=technology, type_=type_, userid=userid)
    return _reply("getCatalogPatterns", await service.list_page(context.current(), DESIGNS, request))


async def publish_catalog_pattern(body: dict[str, Any]) -> http.Reply:
    return _reply("publishCatalogPattern", await service.publish(context.current(), DESIGNS, body), 202)


async def unpublish_catalog_pattern(body: dict[str, Any]) -> http.Reply:
    return _reply("unpublishCatalogPattern", await service.unpublish(context.current(), DESIGNS, body))


async def get_catalog_filters(*, paging: Paging, userid: list[str] | None = None) -> http.Reply:
    request = _list_request(paging, userid=userid)
    return _reply("getCatalogFilters", await service.list_page(context.current(), FILTERS, request))


async def publish_catalog_filter(body: dict[str, Any]) -> http.Reply:
    return _reply("publishCatalogFilter", await service.publish(context.current(), FILTERS, body), 202)


async def unpublish_catalog_filter(body: dict[str, Any]) -> http.Reply:
    return _reply("unpublishCatalogFilter", await service.unpublish(context.current(), FILTERS, body))


async def share_design(body: dict[str, Any]) -> http.Answer:
    return http.json(await service.share(context.current(), DESIGNS, body))


async def share_filter(body: dict[str, Any]) -> http.Answer:
    return http.json(await service.share(context.current(), FILTERS, body))


# --- GraphQL ------------------------------------------------------------------------------------


def _number(selector: dict[str, Any], *names: str) -> int | None:
    for name in names:
        value = selector.get(name)
        if value is None or str(value).strip() in ("", "undefined", "all"):
            continue
        try:
            return max(0, int(str(value).strip()))
        except ValueError:
            raise errors.ErrCatalogBodyInvalid(f"selector {name} {str(value)[:32]!r} is not a number") from None
    return None


def _strings(selector: dict[str, Any], name: str) -> list[str]:
    return [str(v) for v in selector.get(name) or () if v is not None]


def _selector_request(selector: dict[str, Any] | None) -> service.ListRequest:
    sel = selector or {}
    size = _number(sel, "pagesize", "pageSize")
    passed: dict[str, str | list[str] | None] = {
        "page": str(sel.get("page") or "") or None,
        "pagesize": str(sel.get("pagesize") or sel.get("pageSize") or "") or None,
        "search": sel.get("search") or None,
        "order": sel.get("order") or None,
        "metrics": sel.get("metrics") or None,
        "class": _strings(sel, "class"),
        "technology": _strings(sel, "technology"),
        "type": _strings(sel, "patternType"),
        "orgID": _strings(sel, "orgID"),
        "workspaceID": _strings(sel, "workspaceID"),
        "userid": _strings(sel, "userid"),
        "populate": _strings(sel, "populate"),
    }
    return service.ListRequest(
        page=min(_number(sel, "page") or 0, service.MAX_PAGE),
        page_size=min(size, 1000) if size else None,
        search=sel.get("search") or None,
        order=sel.get("order") or None,
        classes=values(_strings(sel, "class")),
        technologies=values(_strings(sel, "technology")),
        types=values(_strings(sel, "patternType")),
        owners=values(_strings(sel, "userid")),
        passed=passed,
    )


def _graphql_item(item: dict[str, Any]) -> dict[str, Any]:
    """An item as GraphQL's String fields take it (times as the one wire time format)."""
    out = dict(item)
    for key in ("created_at", "updated_at"):
        if key not in out and key.replace("_at", "At") in out:
            out[key] = out[key.replace("_at", "At")]
        if out.get(key) is not None and not isinstance(out[key], str):
            out[key] = wire_time(out[key])
    if "user_id" not in out and "owner" in out:
        out["user_id"] = out["owner"]
    if "pattern_file" not in out and "patternFile" in out:
        out["pattern_file"] = out["patternFile"]
    if "catalog_data" not in out and "catalogData" in out:
        out["catalog_data"] = out["catalogData"]
    out["catalog_data"] = out.get("catalog_data") or None
    # A provider's item may leave out what the GraphQL types require.
    for key, default in (("name", ""), ("visibility", "published"), ("pattern_file", ""), ("filter_file", ""),
                         ("filter_resource", "")):  # fmt: skip
        if out.get(key) is None:
            out[key] = default
    return out


async def _catalog_items(kind: str, selector: dict[str, Any] | None) -> list[dict[str, Any]]:
    ctx = context.current()
    page = await service.list_page(ctx, kind, _selector_request(selector))
    return [_graphql_item(i) for i in service.items_of(kind, page)]


async def resolve_fetch_pattern_catalog_content(selector: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    return await _catalog_items(DESIGNS, selector)


async def resolve_fetch_filter_catalog_content(selector: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    return await _catalog_items(FILTERS, selector)
