"""The kinds of catalog content, each a small adapter over its own area.

A kind says how its content is named on the wire and in events (upstream's ``pattern`` and
``filter``), which provider capabilities serve it remotely, how a stored row becomes its
answer record, and whom to tell when its rows change (the area's own bus subject, so
``subscribeConfiguration`` streams refresh). The store side is ``meshery.store.catalog.TABLES``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import orjson

from generated import errors
from meshery.context import Services
from meshery.designs import service as designs
from meshery.designs import wire as design_wire
from meshery.filters import service as filters
from meshery.filters import wire as filter_wire


@dataclass(frozen=True)
class Kind:
    name: str  # upstream's content type, the store's table key and the event category
    label: str  # in messages: "Design", "Filter"
    page_key: str  # the list of a page: "patterns", "filters"
    catalog_feature: str  # provider capability of the catalog routes
    share_feature: str  # provider capability of sharing
    record: Callable[[Any], dict[str, Any]]  # a stored row as its answer record
    version: Callable[[Any], str]  # the version a publish records when catalog_data has none
    changed: Callable[[Services], Awaitable[None]]  # tell the area's subscribers


def _design_version(row: Any) -> str:
    try:
        doc = orjson.loads(row.pattern_file)
    except (orjson.JSONDecodeError, TypeError):
        return ""
    version = doc.get("version") if isinstance(doc, dict) else None
    return str(version) if version else ""


DESIGN = Kind(
    name="pattern",
    label="Design",
    page_key="patterns",
    catalog_feature="meshery-patterns-catalog",
    share_feature="share-designs",
    record=lambda row: design_wire.record(row, populate=True),
    version=_design_version,
    changed=designs.notify_changed,
)

FILTER = Kind(
    name="filter",
    label="Filter",
    page_key="filters",
    catalog_feature="meshery-filters-catalog",
    share_feature="share-filters",
    record=filter_wire.record,
    version=lambda _row: "",
    changed=filters.notify_changed,
)

KINDS: dict[str, Kind] = {DESIGN.name: DESIGN, FILTER.name: FILTER}


def kind(name: str) -> Kind:
    """The kind of this name; a kind this server does not store is the catalogued not-found."""
    found = KINDS.get(name)
    if found is None:
        raise errors.ErrCatalogContentNotFound(f"this server stores no {name} content")
    return found
