"""The events API's service: parse listing filters, list, update, delete, configure.

Handlers pass the raw (already spec-validated) parameters; what the spec cannot
express (JSON-array filters, upstream's `order`/`sort` pair) is checked here and
refused with catalogued 4xx errors.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from generated import errors
from meshery.context import Services
from meshery.errors import allowed_methods
from meshery.events import settings, stream
from meshery.events.core import SEVERITIES, NewEvent, raise_event, wire
from meshery.store import events as event_store

DEFAULT_PAGE_SIZE = 25
_SORT_ALIASES = {"createdAt": "created_at", "updatedAt": "updated_at", "name": "description"}


def parse_filter(name: str, raw: str | None) -> tuple[str, ...]:
    """A JSON array of strings from the query string; empty when absent or ``[]``."""
    if raw is None or raw == "":
        return ()
    try:
        # strict=False: a control character inside a string is no reason to refuse a filter.
        value = json.loads(raw, strict=False)
    except ValueError:
        raise errors.ErrInvalidEventFilter(f'{name} is not JSON: send a JSON array such as ["a","b"]') from None
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise errors.ErrInvalidEventFilter(f"{name} must be a JSON array of strings")
    if name == "severity":
        unknown = sorted(set(value) - set(SEVERITIES))
        if unknown:
            raise errors.ErrInvalidEventFilter(f"unknown severity {', '.join(map(repr, unknown))}")
    return tuple(dict.fromkeys(value))


def parse_page_size(raw: str | None) -> int | None:
    """Events per page; None for upstream's ``all``."""
    if raw is None:
        return DEFAULT_PAGE_SIZE
    return None if raw == "all" else int(raw)


def parse_order(order: str | None, sort: str | None) -> tuple[str, bool]:
    """(column, descending) from upstream's `sort` field and `order` direction."""
    column = sort or "created_at"
    descending = True
    if order:
        field, _, direction = order.rpartition(" ")
        descending = direction != "asc"
        if field:
            column = field
    column = _SORT_ALIASES.get(column, column)
    if column not in event_store.SORT_COLUMNS:
        raise errors.ErrInvalidEventFilter(f"cannot sort events by {column!r}")
    return column, descending


@dataclass(frozen=True)
class ListParams:
    category: str | None = None
    action: str | None = None
    severity: str | None = None
    acted_upon: str | None = None
    status: str | None = None
    search: str | None = None
    page: int = 0
    pagesize: str | None = None
    order: str | None = None
    sort: str | None = None


async def list_events(services: Services, user_id: str | None, params: ListParams) -> dict[str, Any]:
    """Upstream's ``EventsResponse`` for one page."""
    limit = parse_page_size(params.pagesize)
    column, descending = parse_order(params.order, params.sort)
    query = event_store.EventQuery(
        user_id=user_id,
        categories=parse_filter("category", params.category),
        actions=parse_filter("action", params.action),
        severities=parse_filter("severity", params.severity),
        acted_upon=parse_filter("actedUpon", params.acted_upon),
        status=params.status,
        search=params.search or None,
        sort=column,
        descending=descending,
        offset=params.page * limit if limit else 0,
        limit=limit,
    )
    page = await event_store.list_events(services.store, query)
    return {
        "events": [wire(row) for row in page.rows],
        "page": params.page,
        "page_size": limit if limit is not None else page.total,
        "total_count": page.total,
        "count_by_severity_level": [
            {"severity": severity, "count": page.by_severity[severity]}
            for severity in SEVERITIES
            if page.by_severity.get(severity)
        ],
    }


async def post_event(services: Services, user_id: str | None, body: dict[str, Any]) -> dict[str, Any]:
    """Store and broadcast an event a client sent."""
    try:
        event = NewEvent(
            category=str(body.get("category", "")),
            action=str(body.get("action", "")),
            description=str(body.get("description", "")),
            severity=body.get("severity") or "informational",
            acted_upon=body.get("actedUpon") or None,
            user_id=user_id,
            metadata=dict(body.get("metadata") or {}),
            operation_id=body.get("operationId") or None,
            status=body.get("status") or "unread",
        )
    except ValueError as exc:
        raise errors.ErrInvalidEvent(str(exc)) from None
    return await raise_event(services, event)


async def event_types(services: Services, user_id: str | None) -> dict[str, list[str]]:
    categories, actions = await event_store.event_types(services.store, user_id=user_id)
    return {"category": categories, "action": actions}


async def set_status(services: Services, ids: Sequence[str], status: str) -> list[dict[str, Any]]:
    rows = await event_store.set_status(services.store, [str(i) for i in ids], status, now=datetime.now(UTC))
    return [wire(row) for row in rows]


EVENTS_PATH = "/api/system/events"


def check_event_path(path: str, method: str) -> None:
    """405 when `path`, taken for an event id, is really another route (e.g. DELETE .../types)."""
    allow = allowed_methods(path)
    if allow and method not in allow.split(", "):
        raise errors.ErrMethodNotAllowed(f"allowed: {allow}", headers={"Allow": allow})


async def set_one_status(services: Services, event_id: str, status: str) -> dict[str, Any]:
    check_event_path(f"{EVENTS_PATH}/status/{event_id}", "PUT")
    updated = await set_status(services, [event_id], status)
    if not updated:
        raise errors.ErrEventNotFound(f"no event {event_id}")
    return updated[0]


async def delete_events(services: Services, ids: Sequence[str]) -> list[str]:
    """Delete the events ``ids``; returns those that existed."""
    return await event_store.delete_events(services.store, [str(i) for i in ids])


async def delete_event(services: Services, event_id: str) -> None:
    check_event_path(f"{EVENTS_PATH}/{event_id}", "DELETE")
    if not await delete_events(services, [event_id]):
        raise errors.ErrEventNotFound(f"no event {event_id}")


async def get_config(services: Services) -> settings.EventsConfig:
    return await settings.load(services.store)


async def put_config(services: Services, config: settings.EventsConfig) -> settings.EventsConfig:
    saved = await settings.save(services.store, config)
    stream.hub_for(services).set_debug_mode(saved.debug_mode)
    return saved


async def open_stream(services: Services, user_id: str | None, kind: str) -> stream.Listener:
    """A listener for a new live client (SSE or GraphQL) of `user_id`."""
    return await stream.hub_for(services).open(user_id=user_id, kind=kind)
