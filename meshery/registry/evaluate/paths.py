"""Paths into a component declaration, as relationship selectors write them.

A path is a list of keys; its first key names a field of the component (``configuration``,
``displayName``, ``metadata``), the rest walk maps and lists (list indices are decimal
strings). ``_`` as the last key of an alias path stands for every item of a list.
"""

from __future__ import annotations

import copy
from typing import Any

WILDCARD = "_"


class Missing:
    """No value at a path (distinct from a JSON null)."""

    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = Missing()


def walk(value: Any, keys: list[Any]) -> Any:
    """The value at ``keys`` below ``value``, or MISSING."""
    for key in keys:
        if isinstance(value, dict):
            value = value.get(str(key), MISSING)
        elif isinstance(value, list):
            try:
                index = int(key)
            except (TypeError, ValueError):
                return MISSING
            if not 0 <= index < len(value):
                return MISSING
            value = value[index]
        else:
            return MISSING
        if value is MISSING:
            return MISSING
    return value


def get(component: dict[str, Any], path: list[Any], configuration: Any = MISSING) -> Any:
    """The value of a component at ``path``; ``configuration`` replaces the component's own (aliases)."""
    if not path:
        return MISSING
    head = str(path[0])
    if head == "configuration" and configuration is not MISSING:
        return walk(configuration, list(path[1:]))
    return walk(component, list(path))


def put(component: dict[str, Any], path: list[Any], value: Any) -> dict[str, Any]:
    """A copy of ``component`` with ``value`` at ``path`` (maps and lists made as needed)."""
    if not path:
        return component
    out = dict(component)
    node: Any = out
    keys = [str(k) for k in path]
    for i, key in enumerate(keys):
        last = i == len(keys) - 1
        if isinstance(node, list):
            index = int(key) if key.isdigit() else len(node)
            while len(node) <= index:
                node.append(None)
            if last:
                node[index] = _own(value)
                return out
            child = node[index]
            child = _copy_container(child, keys[i + 1])
            node[index] = child
            node = child
        else:
            if last:
                node[key] = _own(value)
                return out
            child = _copy_container(node.get(key), keys[i + 1])
            node[key] = child
            node = child
    return out


def _own(value: Any) -> Any:
    """A copy of a container value (the design must not share it with its source); scalars as they are."""
    return copy.deepcopy(value) if isinstance(value, dict | list) else value


def _copy_container(child: Any, next_key: str) -> Any:
    if isinstance(child, dict):
        return dict(child)
    if isinstance(child, list):
        return list(child)
    return [] if next_key.isdigit() else {}


def is_configuration(path: list[Any]) -> bool:
    """Whether the path points into the component's configuration (upstream's special update op)."""
    return bool(path) and str(path[0]) == "configuration"
