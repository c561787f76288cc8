"""Stored filters: read, list, save, clone and delete, with ownership and visibility.

A user reads their own filters and every public or published one; another user's private
filter is "not found". Only the owner changes or deletes a filter. The module is checked
(``wasm.check``) before anything is stored and kept in its own table (``store.filters``), so
lists never load it. Every change raises a ``filter`` event and is announced on the bus
(``FILTERS_CHANGED``, the subject ``subscribeConfiguration`` follows for designs and filters)
so its streams on every replica push a fresh page.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from generated import errors
from meshery.context import Services, User
from meshery.designs import service as designs
from meshery.events import NewEvent, raise_event
from meshery.filters import resource, wasm
from meshery.store import filters as repo
from meshery.store.designs import SHARED_VISIBILITIES

log = logging.getLogger(__name__)

# subscribeConfiguration's page holds designs and filters: one subject says "look again" for both.
FILTERS_CHANGED = designs.DESIGNS_CHANGED
VISIBILITIES = ("private", "public", "published")
LOCAL_LOCATION = {"branch": "", "host": "", "path": "", "type": "local"}


def viewer_of(user: User | None) -> str | None:
    return user.user_id if user is not None else None


def _readable(row: repo.FilterRow, viewer: str | None) -> bool:
    return row.visibility in SHARED_VISIBILITIES or (viewer is not None and row.user_id == viewer)


def valid_id(value: str) -> str | None:
    try:
        return str(uuid.UUID(value))
    except (ValueError, TypeError, AttributeError):
        return None


async def get_record(services: Services, user: User | None, filter_id: str) -> repo.FilterRow:
    """The stored filter if this user may read it, else the catalogued not-found error."""
    found = valid_id(filter_id)
    row = None if found is None else await repo.read_filter(services.store, found)
    if row is None or not _readable(row, viewer_of(user)):
        raise errors.ErrFilterNotFound(f"no filter {filter_id}")
    return row


async def module_of(services: Services, row: repo.FilterRow) -> bytes | None:
    """The module of a filter already read by this user (None when it was saved without one)."""
    return await repo.read_file(services.store, row.id)


@dataclass(frozen=True)
class Page:
    page: int
    page_size: int
    total: int
    rows: list[repo.FilterRow]


async def list_records(
    services: Services,
    user: User | None,
    *,
    page: int,
    page_size: int,
    search: str | None = None,
    order: str | None = None,
    visibilities: Sequence[str] = (),
    updated_after: datetime | None = None,
) -> Page:
    query = repo.FilterQuery(
        viewer=viewer_of(user), search=search, visibilities=tuple(visibilities), updated_after=updated_after
    )
    rows, total = await repo.list_filters(services.store, query, page=page, page_size=page_size, order=order)
    return Page(page=page, page_size=page_size, total=total, rows=rows)


@dataclass
class Draft:
    """What a save writes. ``module`` None keeps the stored module (an update of the config or name)."""

    name: str | None = None
    module: bytes | None = None
    config: str | None = None
    filter_id: str | None = None
    visibility: str | None = None
    catalog_data: dict[str, Any] | None = None
    location: dict[str, Any] | None = None


async def _owned(services: Services, user: User | None, filter_id: str) -> repo.FilterRow | None:
    """The existing row the user may change, None when there is none; raises for others' filters."""
    row = await repo.read_filter(services.store, filter_id)
    if row is None:
        return None
    viewer = viewer_of(user)
    if not _readable(row, viewer):
        raise errors.ErrFilterNotFound(f"no filter {filter_id}")
    if row.user_id != viewer:
        raise errors.ErrFilterNotOwner(f"filter {filter_id} belongs to another user")
    return row


def prepare(services: Services, draft: Draft) -> Draft:
    """The draft with its module checked (magic number, version, size)."""
    if draft.module is not None:
        wasm.check(draft.module, limit=services.settings.filter_max_bytes)
    if draft.visibility is not None and draft.visibility not in VISIBILITIES:
        raise errors.ErrFilterBodyInvalid(f"visibility must be one of {', '.join(VISIBILITIES)}")
    return draft


def build_row(draft: Draft, existing: repo.FilterRow | None, owner: str | None) -> repo.FilterRow:
    """The row a save writes (also the answer of a save that does not store)."""
    stamp = repo.now()
    filter_id = draft.filter_id or str(uuid.uuid4())
    name = (draft.name or (existing.name if existing else "") or f"meshery-filter-{resource.suffix()}")[:255]
    if draft.config is not None:
        filter_resource = resource.build(draft.config)
    else:
        filter_resource = existing.filter_resource if existing else resource.build("")
    size, digest = (existing.file_size, existing.file_sha256) if existing else (0, "")
    if draft.module is not None:
        size, digest = len(draft.module), wasm.digest(draft.module)
    return repo.FilterRow(
        id=filter_id,
        name=name,
        user_id=existing.user_id if existing else owner,
        filter_resource=filter_resource,
        visibility=draft.visibility or (existing.visibility if existing else "private"),
        location=draft.location or (dict(existing.location) if existing else dict(LOCAL_LOCATION)),
        catalog_data=draft.catalog_data
        if draft.catalog_data is not None
        else (dict(existing.catalog_data) if existing else {}),
        file_size=size,
        file_sha256=digest,
        created_at=existing.created_at if existing else stamp,
        updated_at=stamp,
    )


async def save(services: Services, user: User | None, draft: Draft, *, action: str = "create") -> repo.FilterRow:
    """Insert a filter, or replace the caller's own filter of the same id."""
    prepare(services, draft)
    if draft.filter_id is not None:
        checked = valid_id(draft.filter_id)
        if checked is None:
            raise errors.ErrFilterNotFound(f"no filter {draft.filter_id}")
        draft.filter_id = checked
    existing = await _owned(services, user, draft.filter_id) if draft.filter_id else None
    if existing is None and draft.module is None and draft.filter_id:
        raise errors.ErrFilterNotFound(f"no filter {draft.filter_id}")
    if existing is None and draft.module is None:
        raise errors.ErrFilterBodyInvalid("a new filter needs its module (filter_data.filter_file, file or url)")
    row = build_row(draft, existing, viewer_of(user))
    saved = await repo.save_filter(services.store, row, draft.module)
    verb = "update" if existing else action
    await announce(services, user, verb, saved, f"Filter '{saved.name}' {_past(verb)}")
    return saved


async def clone(services: Services, user: User | None, filter_id: str, name: str | None = None) -> repo.FilterRow:
    """A private copy, owned by the caller, of a filter the caller may read (module included)."""
    source = await get_record(services, user, filter_id)
    module = await module_of(services, source)
    draft = Draft(
        name=name or f"{source.name} (Copy)",
        module=module,
        config=resource.config_of(source.filter_resource),
        visibility="private",
        location=dict(source.location),
    )
    row = build_row(draft, None, viewer_of(user))
    row.filter_resource = source.filter_resource
    saved = await repo.save_filter(services.store, row, module)
    await announce(services, user, "clone", saved, f"Filter '{saved.name}' cloned from '{source.name}'")
    return saved


async def delete_one(services: Services, user: User | None, filter_id: str) -> repo.FilterRow:
    found = valid_id(filter_id)
    row = None if found is None else await _owned(services, user, found)
    if row is None:
        raise errors.ErrFilterNotFound(f"no filter {filter_id}")
    rows = await repo.delete_filters(services.store, [row.id], owner=viewer_of(user))
    if not rows:
        raise errors.ErrFilterNotFound(f"no filter {filter_id}")
    await announce(services, user, "delete", rows[0], f"Filter '{rows[0].name}' deleted")
    return rows[0]


async def count_download(services: Services, user: User | None, row: repo.FilterRow) -> None:
    await raise_event(
        services,
        NewEvent(
            category="filter",
            action="download",
            severity="informational",
            description=f"Filter '{row.name}' downloaded",
            acted_upon=row.id,
            user_id=viewer_of(user),
            metadata={"filterId": row.id},
        ),
    )


async def announce(
    services: Services,
    user: User | None,
    action: str,
    row: repo.FilterRow,
    description: str,
    *,
    metadata: Mapping[str, Any] | None = None,
) -> None:
    """Raise the ``filter`` event of a change and tell every replica's subscribers."""
    await raise_event(
        services,
        NewEvent(
            category="filter",
            action=action,
            severity="success",
            description=description,
            acted_upon=row.id,
            user_id=viewer_of(user),
            metadata={"filterId": row.id, "filterName": row.name, **(metadata or {})},
        ),
    )
    await notify_changed(services)


async def notify_changed(services: Services) -> None:
    """Tell ``subscribeConfiguration`` streams on every replica that filters changed."""
    try:
        await services.bus.publish(FILTERS_CHANGED, b"{}")
    except Exception as exc:  # a bus failure must not fail the change that was stored
        log.warning("could not announce a filter change: %s", exc)


def _past(verb: str) -> str:
    return {"create": "created", "update": "updated", "clone": "cloned"}.get(verb, verb)
