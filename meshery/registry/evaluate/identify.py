"""Finding the relationships a design holds: which registry definitions its components satisfy.

Two policies, as upstream's: **alias** (hierarchical/parent/alias) — a parent component whose
configuration holds the aliased field (``mutatorRef[0]``; a trailing ``_`` means one alias per
list item) gets a child component standing for it, in a ``pending`` relationship; **matching**
(edge network/binding/non-binding/reference, hierarchical inventory, sibling, anything with
paths) — a pair of distinct components matching ``from`` and ``to`` whose values at every
``mutatorRef[i]`` / ``mutatedRef[i]`` are present and match (``equal`` by default), in an
``identified`` relationship. Equal-only matches are joined through a hash of the ``to`` side's
values, so a pass is linear in the components, not quadratic.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from meshery.registry import codec
from meshery.registry.evaluate import paths, selectors
from meshery.registry.evaluate.paths import MISSING, WILDCARD
from meshery.registry.evaluate.selectors import ComponentKey, Definition, Item, SelectorSet

NAMESPACE = uuid.UUID("6f1b0f3e-9c4a-4d1e-8f43-2f7f5d1c9a65")


def dumps(value: Any) -> bytes:
    """Canonical JSON (sorted keys), also for what orjson refuses (integers beyond 64 bits)."""
    return codec.dumps(value, sort_keys=True)


def stable_id(*parts: Any) -> str:
    """A UUID derived from its inputs, so evaluating the same design twice names things the same way."""
    return str(uuid.uuid5(NAMESPACE, dumps(parts).decode()))


@dataclass
class DesignView:
    """A design's components by id and by kind, with each alias component's configuration resolved."""

    components: list[dict[str, Any]]
    by_id: dict[str, dict[str, Any]] = field(default_factory=dict)
    keys: dict[str, ComponentKey] = field(default_factory=dict)
    by_kind: dict[str, list[str]] = field(default_factory=dict)
    aliases: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def of(cls, design: dict[str, Any]) -> DesignView:
        view = cls(components=list(design.get("components") or []))
        for component in view.components:
            cid = str(component.get("id"))
            key = ComponentKey.of(component)
            view.by_id[cid] = component
            view.keys[cid] = key
            view.by_kind.setdefault(key.kind, []).append(cid)
        metadata = design.get("metadata")
        resolved = metadata.get("resolvedAliases") if isinstance(metadata, dict) else None
        if isinstance(resolved, dict):
            view.aliases = {k: v for k, v in resolved.items() if isinstance(v, dict)}
        return view

    def matching(self, item: Item) -> Iterator[str]:
        ids = (
            (i for ids in self.by_kind.values() for i in ids)
            if item.kind == selectors.ANY
            else self.by_kind.get(item.kind, ())
        )
        for cid in ids:
            if item.matches(self.keys[cid]):
                yield cid

    def configuration(self, cid: str) -> Any:
        """An alias component's configuration is its parent's field (upstream's resolvedAliases)."""
        alias = self.aliases.get(cid)
        if alias is None:
            return MISSING
        parent = self.by_id.get(str(alias.get("resolved_parent_id")))
        ref = alias.get("resolved_ref_field_path")
        if parent is None or not isinstance(ref, list):
            return MISSING
        return paths.get(parent, ref)

    def value(self, cid: str, path: list[str]) -> Any:
        component = self.by_id.get(cid)
        if component is None:
            return MISSING
        return paths.get(component, path, self.configuration(cid))


def declaration(
    definition: Definition, source: dict[str, Any], target: dict[str, Any], *, rel_id: str, status: str
) -> dict[str, Any]:
    """A relationship declaration of ``definition`` between two selector items bound to component ids."""
    out = dict(definition.raw)
    out["id"] = rel_id
    out["status"] = status
    out["selectors"] = [{"allow": {"from": [source], "to": [target]}, "deny": {"from": [], "to": []}}]
    return out


def _patch_key(item: dict[str, Any]) -> bytes:
    return dumps(item.get("patch"))


def same_key(definition: Definition, source: dict[str, Any], target: dict[str, Any]) -> tuple[Any, ...]:
    """Equal for two declarations of one relationship (upstream's ``relationships_are_same``; for an
    alias, ``alias_relationship_already_exists``: the same parent field)."""
    to_part = (target.get("kind"), str(target.get("id")), _patch_key(target))
    if definition.family == selectors.ALIAS:
        return (definition.identity, *to_part)
    return (definition.identity, source.get("kind"), str(source.get("id")), _patch_key(source), *to_part)


def _key(values: list[Any]) -> bytes:
    return dumps(values)


def matching_pairs(view: DesignView, s: SelectorSet, source: Item, target: Item) -> Iterator[tuple[str, str]]:
    """(from id, to id) of the distinct component pairs whose values at the paths match."""
    count = len(source.mutator)
    strategies = [source.strategy(i) for i in range(count)]
    targets = list(view.matching(target))
    if not targets:
        return
    sources = list(view.matching(source))
    if not sources:
        return
    if all(st == ["equal"] for st in strategies):
        table: dict[bytes, list[str]] = {}
        for tid in targets:
            values = [view.value(tid, target.mutated[i]) for i in range(count)]
            if any(v is MISSING or v is None for v in values):
                continue
            table.setdefault(_key(values), []).append(tid)
        if not table:
            return
        for fid in sources:
            values = [view.value(fid, source.mutator[i]) for i in range(count)]
            if any(v is MISSING or v is None for v in values):
                continue
            for tid in table.get(_key(values), ()):
                if tid != fid and not s.denies(view.keys[fid], view.keys[tid]):
                    yield fid, tid
        return
    for fid in sources:
        left = [view.value(fid, source.mutator[i]) for i in range(count)]
        if any(v is MISSING for v in left):
            continue
        for tid in targets:
            if tid == fid or s.denies(view.keys[fid], view.keys[tid]):
                continue
            right = [view.value(tid, target.mutated[i]) for i in range(count)]
            if any(v is MISSING for v in right):
                continue
            if all(selectors.match_values(left[i], right[i], strategies[i]) for i in range(count)):
                yield fid, tid


Found = tuple[dict[str, Any], Definition]  # a new declaration and its compiled form


def identify_matching(view: DesignView, definition: Definition, seen: set[tuple[Any, ...]]) -> Iterator[Found]:
    for s in definition.sets:
        for source in s.allow_from:
            if not source.mutator:
                continue
            for target in s.allow_to:
                if len(target.mutated) < len(source.mutator):
                    continue
                for fid, tid in matching_pairs(view, s, source, target):
                    src = {**source.raw, "id": fid}
                    dst = {**target.raw, "id": tid}
                    key = same_key(definition, src, dst)
                    if key in seen:
                        continue
                    seen.add(key)
                    rel_id = stable_id(definition.id, definition.identity, fid, tid, source.mutator, target.mutated)
                    found = declaration(definition, src, dst, rel_id=rel_id, status="identified")
                    yield found, selectors.bind(definition, found, source, target)


def alias_paths(view: DesignView, parent_id: str, ref: list[str]) -> list[list[str]]:
    """The fields of a parent that aliases stand for: each non-null list item for ``…/_``, else the field."""
    if not ref:
        return []
    if ref[-1] == WILDCARD:
        direct = ref[:-1]
        items = view.value(parent_id, direct)
        if not isinstance(items, list):
            return []
        return [[*direct, str(i)] for i, item in enumerate(items) if item is not None]
    value = view.value(parent_id, ref)
    return [] if value is MISSING or value is None else [list(ref)]


def identify_alias(view: DesignView, definition: Definition, seen: set[tuple[Any, ...]]) -> Iterator[Found]:
    for s in definition.sets:
        for child in s.allow_from:
            if not child.mutator:
                continue
            for parent in s.allow_to:
                for pid in view.matching(parent):
                    for path in alias_paths(view, pid, child.mutator[0]):
                        patch = {"patchStrategy": "replace", "mutatorRef": [path], "mutatedRef": [path]}
                        child_id = stable_id("alias", definition.id, pid, path)
                        src = {**child.raw, "id": child_id, "patch": patch}
                        dst = {**parent.raw, "id": pid, "patch": patch}
                        key = same_key(definition, src, dst)
                        if key in seen:
                            continue
                        seen.add(key)
                        rel_id = stable_id(definition.id, definition.identity, child_id, pid, path)
                        found = declaration(definition, src, dst, rel_id=rel_id, status="pending")
                        yield found, selectors.bind(definition, found, child, parent)


def identify(view: DesignView, definition: Definition, seen: set[tuple[Any, ...]]) -> Iterator[Found]:
    """Relationship declarations of one registry definition in the design, except those ``seen`` (which
    holds ``same_key`` of the design's relationships and gets the new ones' keys)."""
    if definition.family == selectors.ALIAS:
        return identify_alias(view, definition, seen)
    if definition.family == selectors.MATCHING:
        return identify_matching(view, definition, seen)
    return iter(())
