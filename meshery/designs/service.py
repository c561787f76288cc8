"""Stored designs: read, list, save, clone and delete, with ownership and visibility.

A user reads their own designs and every public or published one; another user's private
design is "not found" (its existence is not disclosed). Only the owner changes or deletes a
design. Every change is announced on the bus (``DESIGNS_CHANGED``) so GraphQL
``subscribeConfiguration`` streams on every replica push a fresh page.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import orjson

from generated import errors
from meshery.context import Services, User
from meshery.designs.document import parse_design
from meshery.events import NewEvent, raise_event
from meshery.store import designs as repo

log = logging.getLogger(__name__)

DESIGNS_CHANGED = "meshery.designs.changed"
VISIBILITIES = ("private", "public", "published")


def visibility_list(value: str | None, error: type[errors.MesheryError]) -> list[str]:
    """A ``visibility`` list filter (designs, filters): ``["private","public"]`` (the UI's JSON
    array) or ``private,public``; ``error`` for anything else."""
    if value is None or not value.strip():
        return []
    text = value.strip()
    items: Any
    if text.startswith("["):
        try:
            items = json.loads(text)
        except ValueError:
            raise error("visibility is not a JSON array") from None
    else:
        items = [v.strip() for v in text.split(",") if v.strip()]
    if not isinstance(items, list) or any(v not in VISIBILITIES for v in items):
        raise error(f"visibility items must be among {', '.join(VISIBILITIES)}")
    return [str(v) for v in items]


LOCAL_LOCATION = {"branch": "", "host": "", "path": "", "type": "local"}


def encode_design(design: Mapping[str, Any]) -> str:
    """The stored text of a design: indented JSON.

    JSON is a subset of YAML, so every client that reads ``pattern_file`` as YAML (the UI,
    mesheryctl) reads it unchanged, while writing and reading it back is two orders of
    magnitude faster than YAML for a 1,000-component design. Downloads are YAML.
    """
    return orjson.dumps(design, option=orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS, default=str).decode()


def viewer_of(user: User | None) -> str | None:
    return user.user_id if user is not None else None


def _readable(row: repo.PatternRow, viewer: str | None) -> bool:
    return row.visibility in repo.SHARED_VISIBILITIES or (viewer is not None and row.user_id == viewer)


async def get_record(services: Services, user: User | None, design_id: str) -> repo.PatternRow:
    """The stored design if this user may read it, else the catalogued not-found error."""
    row = await repo.read_design(services.store, design_id)
    if row is None or not _readable(row, viewer_of(user)):
        raise errors.ErrDesignNotFound(f"no design {design_id}")
    return row


def document_of(row: repo.PatternRow) -> dict[str, Any]:
    """The canonical design of a stored row; its id and name are the record's."""
    design = parse_design(row.pattern_file)
    design["id"] = row.id
    design["name"] = row.name
    return design


async def load_design(services: Services, user: User | None, design_id: str) -> dict[str, Any]:
    """The parsed canonical design with this id, as this user may read it (404 otherwise)."""
    return document_of(await get_record(services, user, design_id))


async def design_ids_exist(services: Services, ids: list[str]) -> set[str]:
    """Which of these ids are stored designs (whoever owns them)."""
    if not ids:
        return set()
    async with services.store.read() as session:
        return await repo.existing_ids(session, ids)


@dataclass(frozen=True)
class Page:
    page: int
    page_size: int
    total: int
    rows: list[repo.PatternRow]


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
    populate: bool = False,
) -> Page:
    flt = repo.DesignFilter(
        viewer=viewer_of(user), search=search, visibilities=tuple(visibilities), updated_after=updated_after
    )
    rows, total = await repo.list_designs(
        services.store, flt, page=page, page_size=page_size, order=order, populate=populate
    )
    return Page(page=page, page_size=page_size, total=total, rows=rows)


@dataclass
class Draft:
    """What a save writes: the design and where it came from."""

    design: dict[str, Any]
    name: str | None = None
    source_type: str = "Design"
    source: bytes | None = None
    visibility: str | None = None
    catalog_data: dict[str, Any] | None = None
    location: dict[str, Any] | None = None
    design_id: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


async def _owned(services: Services, user: User | None, design_id: str) -> repo.PatternRow | None:
    """The existing row the user may change, None when there is none; raises for others' designs."""
    row = await repo.read_design(services.store, design_id)
    if row is None:
        return None
    viewer = viewer_of(user)
    if not _readable(row, viewer):
        raise errors.ErrDesignNotFound(f"no design {design_id}")
    if row.user_id != viewer:
        raise errors.ErrDesignNotOwner(f"design {design_id} belongs to another user")
    return row


async def save(services: Services, user: User | None, draft: Draft, *, action: str = "create") -> repo.PatternRow:
    """Insert a design, or replace the caller's own design of the same id."""
    design_id = _valid_id(draft.design_id or str(draft.design.get("id") or "")) or str(uuid.uuid4())
    existing = await _owned(services, user, design_id)
    name = (draft.name or str(draft.design.get("name") or "") or "Untitled Design")[:255]
    design = dict(draft.design)
    design["id"] = design_id
    design["name"] = name
    visibility = draft.visibility or (existing.visibility if existing else "private")
    if visibility not in VISIBILITIES:
        raise errors.ErrDesignBodyInvalid(f"visibility must be one of {', '.join(VISIBILITIES)}")
    stamp = repo.now()
    text = encode_design(design)
    row = repo.PatternRow(
        id=design_id,
        name=name,
        user_id=existing.user_id if existing else viewer_of(user),
        pattern_file=text,
        source_type=draft.source_type,
        source_content=draft.source if draft.source is not None else text.encode(),
        visibility=visibility,
        location=draft.location or (existing.location if existing else dict(LOCAL_LOCATION)),
        catalog_data=_catalog(draft, existing),
        created_at=existing.created_at if existing else stamp,
        updated_at=stamp,
    )
    for counter in repo.COUNTERS:
        setattr(row, counter, getattr(existing, counter) if existing else 0)
    saved = await repo.save_design(services.store, row)
    verb = "update" if existing else action
    await announce(services, user, verb, saved, f"Design '{name}' {_past(verb)}")
    return saved


def _catalog(draft: Draft, existing: repo.PatternRow | None) -> dict[str, Any]:
    if draft.catalog_data is not None:
        return draft.catalog_data
    return dict(existing.catalog_data) if existing else {}


async def clone(services: Services, user: User | None, design_id: str, name: str | None = None) -> repo.PatternRow:
    """A private copy, owned by the caller, of a design the caller may read."""
    source = await get_record(services, user, design_id)
    design = document_of(source)
    design["id"] = str(uuid.uuid4())
    copy = await save(
        services,
        user,
        Draft(
            design=design,
            name=name or f"{source.name} (Copy)",
            source_type=source.source_type,
            source=source.source_content,
            visibility="private",
            design_id=design["id"],
        ),
        action="clone",
    )
    await repo.bump(services.store, source.id, "clone_count")
    return copy


async def delete(services: Services, user: User | None, ids: Sequence[str]) -> tuple[list[repo.PatternRow], list[str]]:
    """Delete the caller's designs among ``ids``; returns what went and the ids that were not found."""
    wanted = [i for i in dict.fromkeys(ids) if _valid_id(i)]
    rows = await repo.delete_designs(services.store, wanted, owner=viewer_of(user))
    for row in rows:
        await announce(services, user, "delete", row, f"Design '{row.name}' deleted")
    gone = {r.id for r in rows}
    return rows, [i for i in ids if i not in gone]


async def delete_one(services: Services, user: User | None, design_id: str) -> repo.PatternRow:
    row = await _owned(services, user, design_id)
    if row is None:
        raise errors.ErrDesignNotFound(f"no design {design_id}")
    rows, _ = await delete(services, user, [design_id])
    if not rows:
        raise errors.ErrDesignNotFound(f"no design {design_id}")
    return rows[0]


async def count_view(services: Services, row: repo.PatternRow) -> None:
    await repo.bump(services.store, row.id, "view_count")
    row.view_count += 1


async def count_download(services: Services, user: User | None, row: repo.PatternRow, what: str) -> None:
    await repo.bump(services.store, row.id, "download_count")
    await raise_event(
        services,
        NewEvent(
            category="pattern",
            action="download",
            severity="informational",
            description=f"Design '{row.name}' downloaded ({what})",
            acted_upon=row.id,
            user_id=viewer_of(user),
            metadata={"designId": row.id, "format": what},
        ),
    )


async def announce(
    services: Services,
    user: User | None,
    action: str,
    row: repo.PatternRow,
    description: str,
    *,
    metadata: Mapping[str, Any] | None = None,
    severity: str = "success",
) -> None:
    """Raise the ``pattern`` event of a change and tell every replica's subscribers."""
    await raise_event(
        services,
        NewEvent(
            category="pattern",
            action=action,
            severity=severity,  # type: ignore[arg-type]
            description=description,
            acted_upon=row.id,
            user_id=viewer_of(user),
            metadata={"designId": row.id, "designName": row.name, **(metadata or {})},
        ),
    )
    await notify_changed(services)


async def notify_changed(services: Services) -> None:
    try:
        await services.bus.publish(DESIGNS_CHANGED, b"{}")
    except Exception as exc:  # a bus failure must not fail the change that was stored
        log.warning("could not announce a design change: %s", exc)


def _valid_id(value: str) -> str | None:
    try:
        return str(uuid.UUID(value))
    except (ValueError, TypeError, AttributeError):
        return None


def _past(verb: str) -> str:
    return {"create": "created", "update": "updated", "clone": "cloned", "import": "imported"}.get(verb, verb)
