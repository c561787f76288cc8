"""Registry lists for the REST handlers: parameters in, upstream JSON bytes out.

Paging follows upstream: ``page`` is zero-based, ``pagesize``/``pageSize``
is a number or ``all`` (default 25); ``order`` names a field (optionally
followed by ``asc``/``desc``) and ``sort`` gives the direction.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import orjson

from meshery.registry import render
from meshery.registry.search_index import SearchIndex
from meshery.store import Store
from meshery.store import registry_queries as rq

DEFAULT_PAGE_SIZE = 25
MAX_OFFSET = 2**62
SNAPSHOT_KEY = "registry-snapshot"
SNAPSHOT_TTL = 3600.0
MAX_CACHED_COUNTS = 1024
MAX_CACHED_MODELS = 4096
DEFAULT_ORDERS = ("", "display_name", "displayName", "name")


@dataclass
class Snapshot:
    """Facts derived from one registry generation: list totals and the search index (built on first use)."""

    generation: str | None
    counts: dict[rq.ComponentFilter, int] = field(default_factory=dict)
    index: SearchIndex | None = None
    models: dict[str, bytes] = field(default_factory=dict)  # model JSON embedded in components


async def _snapshot(store: Store, session: Any = None) -> Snapshot:
    generation = await rq.generation(store, session=session)
    snapshot: Snapshot | None = store.cache.get(SNAPSHOT_KEY)
    if snapshot is None or snapshot.generation != generation:
        snapshot = Snapshot(generation=generation)
        store.cache.put(SNAPSHOT_KEY, snapshot, ttl=SNAPSHOT_TTL)
    return snapshot


def _plain_search(f: rq.ComponentFilter) -> bool:
    return bool(f.search) and f == rq.ComponentFilter(search=f.search)


@dataclass(frozen=True, slots=True)
class Paging:
    page: int
    size: int | None  # None: all
    order: str
    desc: bool

    @property
    def window(self) -> rq.Page:
        if self.size is None:
            return rq.Page(0, None)
        # Databases take 64-bit offsets; a page beyond any catalog is simply empty.
        return rq.Page(min(self.page * self.size, MAX_OFFSET), self.size)

    def page_size(self, total: int) -> int:
        return total if self.size is None else self.size


def paging(*, page: int, size: int | None, unbounded: bool, order: str | None, sort: str | None) -> Paging:
    """The store's window of a request's paging: no size is the default size, ``unbounded`` every row."""
    if not unbounded and size is None:
        size = DEFAULT_PAGE_SIZE
    field, _, direction = (order or "").partition(" ")
    desc = (sort or direction or "asc").lower() == "desc"
    return Paging(page=page, size=None if unbounded else size, order=field, desc=desc)


async def models(store: Store, f: rq.ModelFilter, p: Paging, *, trim: bool = False) -> bytes:
    total, rows = await rq.list_models(store, f, p.window, order=p.order, desc=p.desc)
    items = [orjson.dumps(render.model(row, trim=trim)) for row in rows]
    return render.page("models", page=p.page, page_size=p.page_size(total), total=total, items=items)


async def _model_json(store: Store, ids: list[str], session: Any = None) -> dict[str, bytes]:
    rows = await rq.models_by_id(store, ids, session=session)
    return {row.id: orjson.dumps(render.model(row, trim=True)) for row in rows}


async def components(store: Store, f: rq.ComponentFilter, p: Paging, *, trim: bool = False) -> bytes:
    """A page of components; totals are cached per registry generation and plain searches use the index."""
    async with rq.reading(store) as session:
        snapshot = await _snapshot(store, session)
        if _plain_search(f) and p.order in DEFAULT_ORDERS and not p.desc:
            if snapshot.index is None:
                snapshot.index = SearchIndex.build(snapshot.generation, await rq.search_keys(store, session=session))
            ids = snapshot.index.find(f.search or "")
            window = p.window
            end = None if window.limit is None else window.offset + window.limit
            total, rows = len(ids), await rq.components_by_ids(store, ids[window.offset : end], session=session)
        else:
            cached = None if f.search else snapshot.counts.get(f)
            total, rows = await rq.list_components(
                store, f, p.window, order=p.order, desc=p.desc, total=cached, session=session
            )
            if cached is None and not f.search:
                if len(snapshot.counts) >= MAX_CACHED_COUNTS:
                    snapshot.counts.clear()
                snapshot.counts[f] = total
        missing = sorted({row.model_id for row in rows} - snapshot.models.keys())
        if missing:
            if len(snapshot.models) >= MAX_CACHED_MODELS:
                snapshot.models.clear()
            snapshot.models.update(await _model_json(store, missing, session))
    items = [render.component(row, snapshot.models.get(row.model_id, b"null"), trim=trim) for row in rows]
    return render.page("components", page=p.page, page_size=p.page_size(total), total=total, items=items)


async def relationships(store: Store, f: rq.RelationshipFilter, p: Paging) -> bytes:
    total, rows = await rq.list_relationships(store, f, p.window, order=p.order, desc=p.desc)
    items = [render.relationship(row) for row in rows]
    return render.page("relationships", page=p.page, page_size=p.page_size(total), total=total, items=items)


async def categories(store: Store, p: Paging, *, search: str | None, name: str | None = None) -> bytes:
    total, rows = await rq.list_categories(store, search=search, name=name, page=p.window, desc=p.desc)
    items = [
        orjson.dumps({"id": r.id, "name": r.name, "metadata": orjson.loads(r.meta) if r.meta else None}) for r in rows
    ]
    return render.page("categories", page=p.page, page_size=p.page_size(total), total=total, items=items)


async def registrants(store: Store, p: Paging, *, search: str | None) -> bytes:
    total, rows = await rq.list_registrants(store, search=search, page=p.window, desc=p.desc)
    items = []
    for row in rows:
        body = render.registrant(row)
        body["summary"] = {
            "models": int(row.models),
            "components": int(row.components),
            "relationships": int(row.relationships),
        }
        items.append(orjson.dumps(body))
    return render.page("registrants", page=p.page, page_size=p.page_size(total), total=total, items=items)


async def entities(
    store: Store,
    p: Paging,
    *,
    entity_type: str,
    key: str,
    model: str | None = None,
    name: str | None = None,
    entity_id: str | None = None,
    search: str | None = None,
) -> tuple[int, bytes]:
    total, rows = await rq.list_entities(
        store, entity_type=entity_type, model=model, name=name, entity_id=entity_id, search=search, page=p.window
    )
    items = [render.entity(row) for row in rows]
    return total, render.page(key, page=p.page, page_size=p.page_size(total), total=total, items=items)
