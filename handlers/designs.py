"""API area "designs": stored designs (upstream "patterns") over REST, and their GraphQL reads and stream."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from contextlib import aclosing
from datetime import UTC, datetime
from typing import Any

from pydantic import TypeAdapter, ValidationError

from generated import errors
from generated.answers import wire_time
from generated.handler_types import Paging
from meshery import context, http
from meshery.designs import flows, intake, service, wire
from meshery.designs.document import dump_design
from meshery.errors import spec_methods
from meshery.filters import pages as filter_pages

_DATETIME = TypeAdapter(datetime)
_POPULATE_ALL = {"pattern_file", "patternfile", "true", "1", "all"}


def _time(value: str | None) -> datetime | None:
    if value is None or not value.strip():
        return None
    try:
        parsed = _DATETIME.validate_python(value.strip())
    except ValidationError:
        raise errors.ErrDesignQueryInvalid(f"updated_after {value[:64]!r} is not an RFC 3339 time") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _populate(value: str | None) -> bool:
    return value is not None and any(p.strip().lower() in _POPULATE_ALL for p in value.split(","))


async def _page(
    *,
    page: int,
    page_size: int,
    search: str | None,
    order: str | None,
    visibility: str | None,
    populate: bool,
    updated_after: str | None,
) -> dict[str, Any]:
    ctx = context.current()
    result = await service.list_records(
        ctx.services,
        ctx.user,
        page=page,
        page_size=page_size,
        search=search,
        order=order,
        visibilities=service.visibility_list(visibility, errors.ErrDesignQueryInvalid),
        updated_after=_time(updated_after),
        populate=populate,
    )
    return wire.page(result.page, result.page_size, result.total, result.rows, populate=populate)


async def save_pattern(body: dict[str, Any]) -> http.Answer:
    ctx = context.current()
    return http.json(await flows.save_request(ctx.services, ctx.user, body, source_type=None, update=False))


async def get_patterns(
    *,
    paging: Paging,
    visibility: str | None = None,
    populate: str | None = None,
    updated_after: str | None = None,
) -> http.Answer:
    return http.json(
        await _page(
            page=paging.page,
            page_size=paging.page_size(10),
            search=paging.search,
            order=paging.order,
            visibility=visibility,
            populate=_populate(populate),
            updated_after=updated_after,
        )
    )


async def import_pattern(body: dict[str, Any] | None = None, file: Any = None) -> http.Answer:
    ctx = context.current()
    return http.json(await flows.import_request(ctx.services, ctx.user, body or {}, file))


async def get_pattern_types() -> http.Answer:
    return http.json([{"design_type": t, "supported_extensions": list(ext)} for t, ext in intake.TYPES.items()])


def _method_of_template(method: str, segment: str) -> None:
    """405 when ``/api/pattern/<segment>`` is a literal route (import, types, deploy) without this method.

    Those routes share the ``/api/pattern/{id}`` template's shape, so the router hands their
    other methods to the template's operations.
    """
    allowed = spec_methods(f"/api/pattern/{segment}")
    if method not in allowed:
        allow = ", ".join(allowed)
        raise errors.ErrMethodNotAllowed(f"allowed: {allow}", headers={"Allow": allow})


async def get_pattern(id_: str) -> http.Answer:
    _method_of_template("GET", id_)
    ctx = context.current()
    row = await service.get_record(ctx.services, ctx.user, id_)
    await service.count_view(ctx.services, row)
    return http.json(wire.record(row))


async def delete_pattern(id_: str) -> http.Answer:
    _method_of_template("DELETE", id_)
    ctx = context.current()
    return http.json(wire.record(await service.delete_one(ctx.services, ctx.user, id_), populate=False))


async def create_pattern_from_source(id_: str, body: dict[str, Any]) -> http.Answer:
    _method_of_template("POST", id_)
    ctx = context.current()
    kind = intake.source_type(id_)
    return http.json(await flows.save_request(ctx.services, ctx.user, body, source_type=kind, update=False))


async def update_pattern_from_source(id_: str, body: dict[str, Any]) -> http.Answer:
    _method_of_template("PUT", id_)
    ctx = context.current()
    kind = intake.source_type(id_)
    return http.json(await flows.save_request(ctx.services, ctx.user, body, source_type=kind, update=True))


async def clone_pattern(id_: str, body: dict[str, Any] | None = None) -> http.Answer:
    ctx = context.current()
    name = (body or {}).get("name")
    return http.json(wire.record(await service.clone(ctx.services, ctx.user, id_, name=name)))


def _filename(name: str, suffix: str) -> str:
    # Header values are latin-1: anything but ASCII letters, digits and a few marks becomes "_".
    safe = "".join(c if (c.isascii() and c.isalnum()) or c in "-_. " else "_" for c in name).strip() or "design"
    return f"{safe[:100]}{suffix}"


async def download_pattern(id_: str) -> http.Raw:
    ctx = context.current()
    row = await service.get_record(ctx.services, ctx.user, id_)
    text = dump_design(service.document_of(row))
    await service.count_download(ctx.services, ctx.user, row, "design")
    disposition = f'attachment; filename="{_filename(row.name, ".yml")}"'
    return http.raw(text.encode(), media_type="application/x-yaml", headers={"Content-Disposition": disposition})


async def download_pattern_source(id_: str, sourcetype: str) -> http.Raw:
    ctx = context.current()
    kind = intake.source_type(sourcetype)
    row = await service.get_record(ctx.services, ctx.user, id_)
    if kind != row.source_type or not row.source_content:
        raise errors.ErrDesignSourceNotFound(f"design {row.id} was imported from a {row.source_type}, not a {kind}")
    await service.count_download(ctx.services, ctx.user, row, row.source_type)
    helm = row.source_type == intake.HELM
    media = "application/gzip" if helm else "application/x-yaml"
    disposition = f'attachment; filename="{_filename(row.name, ".tgz" if helm else ".yml")}"'
    return http.raw(row.source_content, media_type=media, headers={"Content-Disposition": disposition})


async def delete_patterns(body: dict[str, Any]) -> http.Answer:
    ctx = context.current()
    ids = [str(p.get("id")) for p in body.get("patterns") or [] if isinstance(p, dict)]
    rows, missing = await service.delete(ctx.services, ctx.user, ids)
    return http.json({"deleted": [wire.record(r, populate=False) for r in rows], "notDeleted": missing})


def _selector(selector: dict[str, Any] | None) -> dict[str, Any]:
    sel = selector or {}
    try:
        page, size = int(sel.get("page") or 0), int(sel.get("pageSize") or 10)
    except (TypeError, ValueError):
        raise errors.ErrDesignQueryInvalid("page and pageSize must be integers") from None
    visibility = sel.get("visibility") or []
    return {
        "page": min(max(page, 0), 10_000_000),
        "page_size": min(max(size, 1), 1000),
        "search": sel.get("search") or None,
        "order": sel.get("order") or None,
        "visibility": ",".join(str(v) for v in visibility) or None,
        "populate": True,
        "updated_after": sel.get("updated_after") or None,
    }


def _graphql_page(page: dict[str, Any]) -> dict[str, Any]:
    return {
        "page": page["page"],
        "page_size": page["page_size"],
        "total_count": page["total_count"],
        "patterns": [
            {
                **p,
                "canSupport": True,
                "errmsg": None,
                "catalog_data": p.get("catalog_data") or None,
                # GraphQL's String fields take text: the one wire time format.
                "created_at": wire_time(p["created_at"]),
                "updated_at": wire_time(p["updated_at"]),
            }
            for p in page["patterns"]
        ],
    }


async def resolve_fetch_patterns(selector: dict[str, Any]) -> dict[str, Any]:
    return _graphql_page(await _page(**_selector(selector)))


async def subscribe_configuration(
    pattern_selector: dict[str, Any], filter_selector: dict[str, Any] | None = None
) -> AsyncGenerator[dict[str, Any], None]:
    ctx = context.current()
    services = ctx.services
    query = _selector(pattern_selector)

    async def current() -> dict[str, Any]:
        return {
            "patterns": _graphql_page(await _page(**query)),
            "filters": await filter_pages.configuration_filters(services, ctx.user, filter_selector),
        }

    async with aclosing(services.bus.follow(service.DESIGNS_CHANGED, current)) as configurations:
        async for configuration in configurations:
            yield configuration
