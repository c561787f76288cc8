"""The registry's relationship definitions, grouped by the component kinds their selectors name.

Built once per registry generation (a setting every registry write changes, on any
replica) and kept in the store's cache, so a design is evaluated against the few
definitions that can touch its kinds instead of every definition of the registry. A
definition is filed under each ``(model, kind)`` its ``allow`` selectors name (``*`` kinds
under ``*``); ``candidates`` returns those whose every side can match the design.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import orjson

from meshery.registry.evaluate import selectors
from meshery.registry.evaluate.selectors import ANY, ComponentKey, Definition
from meshery.store import Store
from meshery.store import registry_queries as rq

log = logging.getLogger(__name__)

CACHE_KEY = "relationship-evaluation-index"
CACHE_TTL = 3600.0
# Definitions evaluation skips (upstream evaluates the enabled ones).
INACTIVE = frozenset({"ignored", "deleted"})


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _keys(raw: dict[str, Any], model: str) -> set[tuple[str, str]]:
    """The ``(model, kind)`` pairs a definition's ``allow`` selectors name (``(*, *)`` for any kind)."""
    keys: set[tuple[str, str]] = set()
    for entry in raw.get("selectors") or ():
        allow = entry.get("allow") if isinstance(entry, dict) else None
        if not isinstance(allow, dict):
            continue
        for side in ("from", "to"):
            for item in allow.get(side) or ():
                if not isinstance(item, dict):
                    continue
                kind = _text(item.get("kind")) or ANY
                ref = item.get("model")
                name = (_text(ref.get("name")) if isinstance(ref, dict) else "") or model
                keys.add((ANY, ANY) if kind == ANY else (name, kind))
    return keys


@dataclass
class RelationshipIndex:
    """Definitions are parsed when built and compiled (``selectors``) the first time they are candidates."""

    generation: str | None
    raws: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)  # (id, model, body)
    compiled: list[Definition | None] = field(default_factory=list)
    by_kind: dict[tuple[str, str], list[int]] = field(default_factory=dict)

    @property
    def size(self) -> int:
        return len(self.raws)

    def definition(self, position: int) -> Definition:
        found = self.compiled[position]
        if found is None:
            def_id, model, raw = self.raws[position]
            found = self.compiled[position] = selectors.compile_definition(raw, model=model, def_id=def_id)
        return found

    @classmethod
    def build(cls, generation: str | None, rows: Iterable[Any]) -> RelationshipIndex:
        """From ``(id, status, model name, body)`` rows; unreadable bodies are skipped with a log line."""
        index = cls(generation=generation)
        for def_id, status, model, body in rows:
            if str(status or "").lower() in INACTIVE:
                continue
            try:
                raw = orjson.loads(body)
            except orjson.JSONDecodeError:
                log.warning("relationship %s has an unreadable body; evaluation skips it", def_id)
                continue
            if isinstance(raw, dict):
                index.add(str(def_id), str(model or ""), raw)
        return index

    def add(self, def_id: str, model: str, raw: dict[str, Any]) -> None:
        position = len(self.raws)
        self.raws.append((def_id, model, raw))
        self.compiled.append(None)
        for key in _keys(raw, model):
            self.by_kind.setdefault(key, []).append(position)

    def candidates(self, keys: Iterable[ComponentKey]) -> list[Definition]:
        """Definitions that can match a design holding components of these keys, in index order."""
        present = {(k.model, k.kind) for k in keys}
        kinds = {k for _, k in present}
        positions: set[int] = set()
        for key in present:
            positions.update(self.by_kind.get(key, ()))
            positions.update(self.by_kind.get(("", key[1]), ()))
        positions.update(self.by_kind.get((ANY, ANY), ()))
        found: list[Definition] = []
        for position in sorted(positions):
            definition = self.definition(position)
            if _can_match(definition, present, kinds):
                found.append(definition)
        return found


def _side_present(items: list[selectors.Item], present: set[tuple[str, str]], kinds: set[str]) -> bool:
    for item in items:
        if item.kind == ANY:
            return True
        if item.kind in kinds and (not item.model or item.model == ANY or (item.model, item.kind) in present):
            return True
    return False


def _can_match(definition: Definition, present: set[tuple[str, str]], kinds: set[str]) -> bool:
    for s in definition.sets:
        if definition.family == selectors.ALIAS:
            if _side_present(s.allow_to, present, kinds):
                return True
        elif _side_present(s.allow_from, present, kinds) and _side_present(s.allow_to, present, kinds):
            return True
    return False


async def current(store: Store) -> RelationshipIndex:
    """The index of the registry's current generation (built on the first evaluation after a change)."""
    async with rq.reading(store) as session:
        generation = await rq.generation(store, session=session)
        index: RelationshipIndex | None = store.cache.get(CACHE_KEY)
        if index is not None and index.generation == generation:
            return index
        rows = await rq.relationship_definitions(store, session=session)
    index = RelationshipIndex.build(generation, rows)
    store.cache.put(CACHE_KEY, index, ttl=CACHE_TTL)
    return index
