"""The older form-based configuration routes of the 2024 UI (``/api/telemetry/metrics/.../config``).

As upstream: reading lists the caller's connections of the kind; saving checks the URL answers
with the given key, then stores the key as a credential and a ``connected`` connection of type
``observability`` / ``monitoring`` whose metadata holds the URL (a path on the URL is cut off);
deleting is deprecated in favour of the connections API.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from meshery import connections
from meshery.connections import ConnectionFilter
from meshery.context import RequestContext
from meshery.store.connections import Connection
from meshery.telemetry import fetch, grafana, prometheus


def _base(url: str) -> str:
    """The URL without its path (upstream trims the request URI off what the form sends)."""
    base = fetch.base_url(url)
    parts = urlsplit(base)
    return f"{parts.scheme}://{parts.netloc}"


async def listing(ctx: RequestContext, kind: str, *, page: int, page_size: int, search: str | None
                  ) -> dict[str, Any]:
    flt = ConnectionFilter(kinds=(kind,), search=search)  # the store scopes it to the caller
    result = await connections.list_page(ctx.services, flt, page=page, page_size=page_size, order=None)
    return {"page": result.page, "page_size": result.page_size, "total_count": result.total_count,
            "connections": result.connections, "status_summary": result.status_summary}


async def save(ctx: RequestContext, kind: str, *, url: str, key: str, name: str) -> Connection:
    base = _base(url)
    target = fetch.Target(base, fetch.authorization(key))
    if kind == "grafana":
        await grafana.health(target)
    else:
        await prometheus.validate(target)
    owner = ctx.require_user().user_id
    body: dict[str, Any] = {
        "kind": kind,
        "type": "observability",
        "sub_type": "monitoring",
        "status": "connected",
        "name": name or f"{kind} {urlsplit(base).netloc}",
        "metadata": {"url": base},
    }
    if key:
        body["credential_secret"] = {"secret": key}
    return await connections.create(ctx.services, owner, body)
