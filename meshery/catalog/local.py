"""This server's own catalog: its published designs and filters, readable by every user.

Publishing sets the owner's row to ``published`` with its catalog data; unpublishing makes it
``private`` again (the catalog data is kept for the next publish). Each is announced as the
event upstream raises (category ``pattern``/``filter``, action ``publish`` or
``unpublish_request``) and to the kind's subscribers. Another user's id is "not found".
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from generated import errors
from meshery.catalog.kinds import Kind
from meshery.context import Services, User
from meshery.events import NewEvent, raise_event
from meshery.store import catalog as repo

PUBLISHED = repo.PUBLISHED
UNPUBLISHED = "private"


@dataclass(frozen=True)
class Listing:
    page: int
    page_size: int
    total: int
    records: list[dict[str, Any]]


def _owner(user: User | None) -> str | None:
    return user.user_id if user is not None else None


def content_id(value: Any) -> str:
    """The id of a publish or unpublish body as a canonical UUID (the catalogued 400 otherwise)."""
    try:
        return str(uuid.UUID(str(value)))
    except (ValueError, TypeError, AttributeError):
        raise errors.ErrCatalogBodyInvalid(f"id {str(value)[:64]!r} is not a design or filter id") from None


async def list_published(
    services: Services,
    kind: Kind,
    query: repo.CatalogQuery,
    *,
    page: int,
    page_size: int,
    order: str | None,
) -> Listing:
    if not repo.stored(kind.name):
        return Listing(page=page, page_size=page_size, total=0, records=[])
    rows, total = await repo.list_published(
        services.store, kind.name, query, page=page, page_size=page_size, order=order
    )
    return Listing(page=page, page_size=page_size, total=total, records=[kind.record(r) for r in rows])


def _catalog_request(kind: Kind, row: Any, status: str) -> dict[str, Any]:
    stamp = datetime.now(UTC)
    return {
        "id": row.id,
        "content_id": row.id,
        "content_name": row.name,
        "content_type": kind.name,
        "status": status,
        "catalog_data": dict(row.catalog_data or {}),
        "created_at": stamp,
        "updated_at": stamp,
    }


async def publish(
    services: Services, user: User | None, kind: Kind, item_id: str, catalog_data: Mapping[str, Any] | None
) -> dict[str, Any]:
    """Publish the caller's content with this catalog data; the catalog request (``approved``).

    Without ``catalog_data`` the content keeps the catalog data it has; ``publishedVersion`` is
    the content's own version unless given.
    """

    def data(row: Any) -> dict[str, Any]:
        merged = dict(catalog_data) if catalog_data is not None else dict(row.catalog_data or {})
        if not merged.get("publishedVersion"):
            version = kind.version(row)
            if version:
                merged["publishedVersion"] = version
        return merged

    _require_stored(kind)
    found = await repo.set_visibility(
        services.store, kind.name, item_id, owner=_owner(user), visibility=PUBLISHED, catalog_data=data
    )
    if found is None:
        raise errors.ErrCatalogContentNotFound(f"no {kind.label.lower()} {item_id} among yours")
    row, _before = found
    await _announce(
        services,
        user,
        kind,
        row,
        action="publish",
        description=f"Request to publish '{row.name}' {kind.label.lower()} submitted with status: approved",
    )
    return _catalog_request(kind, row, "approved")


async def unpublish(services: Services, user: User | None, kind: Kind, item_id: str) -> dict[str, Any]:
    """Take the caller's content out of the catalog; the catalog request (``unpublished``)."""
    _require_stored(kind)
    found = await repo.set_visibility(
        services.store, kind.name, item_id, owner=_owner(user), visibility=UNPUBLISHED, only_from=PUBLISHED
    )
    if found is None:
        raise errors.ErrCatalogContentNotFound(f"no {kind.label.lower()} {item_id} among yours")
    row, before = found
    if before != PUBLISHED:
        raise errors.ErrCatalogNotPublished(f"{kind.label.lower()} {item_id} is {before}, not published")
    await _announce(
        services,
        user,
        kind,
        row,
        action="unpublish_request",
        description=f"'{row.name}' {kind.label.lower()} unpublished",
    )
    return _catalog_request(kind, row, "unpublished")


def _require_stored(kind: Kind) -> None:
    if not repo.stored(kind.name):
        raise errors.ErrCatalogContentNotFound(f"this server stores no {kind.label.lower()}s")


async def _announce(
    services: Services, user: User | None, kind: Kind, row: Any, *, action: str, description: str
) -> None:
    await raise_event(
        services,
        NewEvent(
            category=kind.name,
            action=action,
            severity="informational",
            description=description,
            acted_upon=row.id,
            user_id=_owner(user),
            metadata={"id": row.id, "name": row.name, "catalogData": dict(row.catalog_data or {})},
        ),
    )
    await kind.changed(services)


def values(items: Sequence[str] | None) -> tuple[str, ...]:
    """The non-empty values of a repeated parameter (each may also be comma-separated)."""
    out: list[str] = []
    for item in items or ():
        out.extend(v.strip() for v in str(item).split(",") if v.strip())
    return tuple(out)
