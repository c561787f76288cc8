"""Relationship definitions compiled for matching: selector items, selector sets and their policy family.

A selector item names a component by ``kind`` (``*`` for any), by ``model.name`` and by
``model.model.version`` (empty or ``*``: any); its ``patch`` carries the paths a relationship
reads (``mutatorRef``, on the ``from`` side) and writes (``mutatedRef``, on the ``to`` side).
Older files keep those paths in ``match.from[0]`` / ``match.to[0]``; both spellings are read.
A selector set allows pairs (``allow.from`` x ``allow.to``) unless ``deny`` names them.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

ANY = "*"
# Policy families (upstream's policy identifiers).
ALIAS = "alias"  # hierarchical / parent / alias: a child component stands for a field of its parent
MATCHING = "matching"  # every other kind with mutator and mutated paths: values at the paths are equal
PASSIVE = "passive"  # nothing to identify by (no paths): only validated when present in a design

Paths = list[list[str]]


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _obj(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _paths(value: Any) -> Paths:
    if not isinstance(value, list):
        return []
    return [[str(k) for k in p] for p in value if isinstance(p, list) and p]


@dataclass(frozen=True)
class ComponentKey:
    """What selectors match on a design's component."""

    kind: str
    model: str
    version: str

    @classmethod
    def of(cls, component: dict[str, Any]) -> ComponentKey:
        ref = component.get("component")
        model = component.get("model")
        kind = _text(ref.get("kind")) if isinstance(ref, dict) else ""
        name = _text(model.get("name")) if isinstance(model, dict) else ""
        inner = model.get("model") if isinstance(model, dict) else None
        version = _text(inner.get("version")) if isinstance(inner, dict) else ""
        return cls(kind=kind, model=name, version=version)


@dataclass
class Item:
    """One selector item (a ``from`` or ``to`` entry)."""

    raw: dict[str, Any]
    kind: str
    model: str
    version: str
    mutator: Paths
    mutated: Paths
    strategies: list[Any]

    @classmethod
    def parse(cls, raw: Any, fallback_model: str) -> Item | None:
        if not isinstance(raw, dict):
            return None
        model = raw.get("model")
        name = _text(model.get("name")) if isinstance(model, dict) else ""
        inner = model.get("model") if isinstance(model, dict) else None
        version = _text(inner.get("version")) if isinstance(inner, dict) else ""
        patch = _obj(raw.get("patch"))
        mutator, mutated = _paths(patch.get("mutatorRef")), _paths(patch.get("mutatedRef"))
        match = _obj(raw.get("match"))
        for side in ("from", "to"):
            entries = match.get(side)
            if isinstance(entries, list) and entries and isinstance(entries[0], dict):
                mutator = mutator or _paths(entries[0].get("mutatorRef"))
                mutated = mutated or _paths(entries[0].get("mutatedRef"))
        matrix = raw.get("match_strategy_matrix", raw.get("matchStrategyMatrix"))
        return cls(
            raw=raw,
            kind=_text(raw.get("kind")) or ANY,
            model=name or fallback_model,
            version=version,
            mutator=mutator,
            mutated=mutated,
            strategies=matrix if isinstance(matrix, list) else [],
        )

    def matches(self, key: ComponentKey) -> bool:
        if self.kind not in (ANY, key.kind):
            return False
        if self.model and self.model not in (ANY, key.model):
            return False
        return not self.version or self.version == ANY or not key.version or self.version == key.version

    def strategy(self, index: int) -> list[str]:
        """The match strategies of path ``index`` (upstream's default: ``equal``)."""
        found = self.strategies[index] if index < len(self.strategies) else None
        return [str(s) for s in found] if isinstance(found, list) and found else ["equal"]


@dataclass
class SelectorSet:
    allow_from: list[Item]
    allow_to: list[Item]
    deny_from: list[Item] = field(default_factory=list)
    deny_to: list[Item] = field(default_factory=list)

    def denies(self, source: ComponentKey, target: ComponentKey) -> bool:
        if not self.deny_from and not self.deny_to:
            return False
        from_hit = not self.deny_from or any(i.matches(source) for i in self.deny_from)
        to_hit = not self.deny_to or any(i.matches(target) for i in self.deny_to)
        return from_hit and to_hit


@dataclass
class Definition:
    """A registry relationship definition, compiled once per index build."""

    raw: dict[str, Any]
    id: str
    kind: str
    type: str
    sub_type: str
    model: str
    family: str
    sets: list[SelectorSet]

    @property
    def identity(self) -> tuple[str, str, str]:
        return (self.kind, self.type, self.sub_type)


def family_of(kind: str, type_: str, sub_type: str, sets: list[SelectorSet]) -> str:
    if (kind, type_, sub_type) == ("hierarchical", "parent", "alias"):
        return ALIAS
    for s in sets:
        for f in s.allow_from:
            for t in s.allow_to:
                if f.mutator and len(t.mutated) >= len(f.mutator):
                    return MATCHING
    return PASSIVE


def _items(side: Any, fallback_model: str) -> list[Item]:
    if not isinstance(side, list):
        return []
    return [item for item in (Item.parse(raw, fallback_model) for raw in side) if item is not None]


def parse_sets(raw: Any, fallback_model: str) -> list[SelectorSet]:
    sets: list[SelectorSet] = []
    for entry in raw if isinstance(raw, list) else []:
        if not isinstance(entry, dict):
            continue
        allow, deny = _obj(entry.get("allow")), _obj(entry.get("deny"))
        sets.append(
            SelectorSet(
                allow_from=_items(allow.get("from"), fallback_model),
                allow_to=_items(allow.get("to"), fallback_model),
                deny_from=_items(deny.get("from"), fallback_model),
                deny_to=_items(deny.get("to"), fallback_model),
            )
        )
    return sets


def compile_definition(raw: dict[str, Any], *, model: str = "", def_id: str = "") -> Definition:
    """A relationship definition (registry row body or design declaration) ready for matching."""
    kind, type_, sub_type = (_text(raw.get(k)).lower() for k in ("kind", "type", "subType"))
    ref = raw.get("model")
    model = model or (_text(ref.get("name")) if isinstance(ref, dict) else "")
    sets = parse_sets(raw.get("selectors"), model)
    return Definition(
        raw=raw,
        id=def_id or _text(raw.get("id")),
        kind=kind,
        type=type_,
        sub_type=sub_type,
        model=model,
        family=family_of(kind, type_, sub_type, sets),
        sets=sets,
    )


def match_values(source: Any, target: Any, strategies: list[str]) -> bool:
    """Upstream's match strategies: equal, equal_as_strings, to_contains_from, not_null (all must hold)."""
    for strategy in strategies:
        if strategy == "equal":
            ok = source == target
        elif strategy == "equal_as_strings":
            ok = _as_string(source) == _as_string(target)
        elif strategy == "to_contains_from":
            ok = _contains(target, source)
        elif strategy == "not_null":
            ok = source is not None and target is not None
        else:
            ok = False
        if not ok:
            return False
    return True


def _as_string(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _contains(whole: Any, part: Any) -> bool:
    if isinstance(whole, dict) and isinstance(part, dict):
        return all(k in whole and _contains(whole[k], v) for k, v in part.items())
    if isinstance(whole, list) and isinstance(part, list):
        return all(any(_contains(w, p) for w in whole) for p in part)
    return bool(whole == part)


def bind(definition: Definition, declaration: dict[str, Any], source: Item, target: Item) -> Definition:
    """``definition`` as ``declaration`` (made by ``identify``) compiles: one selector set, bound to ids."""
    allow = declaration["selectors"][0]["allow"]
    bound = SelectorSet(
        allow_from=[dataclasses.replace(source, raw=allow["from"][0])],
        allow_to=[dataclasses.replace(target, raw=allow["to"][0])],
    )
    return dataclasses.replace(definition, raw=declaration, id=str(declaration.get("id")), sets=[bound])
