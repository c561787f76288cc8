"""Second spellings of request-body fields, folded into one before any handler reads the body.

Upstream's clients send some fields two ways (the Go server's ``credential_id``, the
``@meshery/schemas`` client's ``credentialId``). The spec declares both as properties of the
request schema, the second one marked ``x-spelling-of: <first>``; ``meshery.dispatch`` builds a
``Fold`` per operation from its JSON body schema once and applies it to every body after
validation. The handler then reads only the spelling the spec names first:

- given only the second spelling, its value moves to the first;
- given both, the first one wins (a non-null value) and the second is dropped;
- nested objects and the items of arrays are folded by their own schemas.

A ``x-spelling-of`` naming no sibling property is an error of the spec, raised when the app is
built, so a route cannot carry a spelling that nothing reads.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

KEY = "x-spelling-of"
MAX_DEPTH = 16


class SpellingError(ValueError):
    """A ``x-spelling-of`` that names no property of its object schema."""


@dataclass(frozen=True)
class Fold:
    """The spellings of one object schema and of the objects it holds."""

    pairs: tuple[tuple[str, str], ...] = ()  # (second spelling, first spelling)
    nested: tuple[tuple[str, Fold], ...] = ()  # property -> fold of its value (an object or items of an array)

    def apply(self, value: Any) -> Any:
        """``value`` with every second spelling folded into its first (in place; returns it)."""
        if isinstance(value, list):
            for item in value:
                self.apply(item)
            return value
        if not isinstance(value, dict):
            return value
        for second, first in self.pairs:
            if second not in value:
                continue
            given = value.pop(second)
            if value.get(first) is None:
                value[first] = given
        for name, fold in self.nested:
            inner = value.get(name)
            if inner is not None:
                fold.apply(inner)
        return value


def plan(schema: Mapping[str, Any] | None, *, where: str = "body") -> Fold | None:
    """The fold of a (resolved) JSON schema, or None when nothing in it has a second spelling."""
    if not isinstance(schema, Mapping):
        return None
    return _plan(schema, where, 0)


def _properties(schema: Mapping[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for part in schema.get("allOf") or ():
        if isinstance(part, Mapping):
            found.update(_properties(part))
    found.update(schema.get("properties") or {})
    return found


def _plan(schema: Mapping[str, Any], where: str, depth: int) -> Fold | None:
    if depth > MAX_DEPTH:
        return None  # a recursive schema: spellings are declared near the top
    if schema.get("type") == "array" or "items" in schema:
        items = schema.get("items")
        return _plan(items, where + "[]", depth + 1) if isinstance(items, Mapping) else None
    properties = _properties(schema)
    pairs: list[tuple[str, str]] = []
    nested: list[tuple[str, Fold]] = []
    for name, sub in properties.items():
        if not isinstance(sub, Mapping):
            continue
        first = sub.get(KEY)
        if first is not None:
            if first not in properties or first == name:
                raise SpellingError(f"{where}.{name}: x-spelling-of {first!r} names no other property of the object")
            pairs.append((name, str(first)))
        inner = _plan(sub, f"{where}.{name}", depth + 1)
        if inner is not None:
            nested.append((name, inner))
    if not pairs and not nested:
        return None
    return Fold(tuple(pairs), tuple(nested))
