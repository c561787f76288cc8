"""Label and field selectors, parsed once per request and matched against stored objects."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

Matcher = Callable[[dict[str, Any]], bool]


class SelectorError(ValueError):
    """A selector that does not parse (answered with 400 BadRequest)."""


_SET_RE = re.compile(r"^\s*(!?)\s*([A-Za-z0-9./_-]+)\s*(?:(notin|in)\s*\(([^)]*)\))?\s*$")
_EQ_RE = re.compile(r"^\s*([A-Za-z0-9./_-]+)\s*(==|!=|=)\s*([A-Za-z0-9._-]*)\s*$")


def _split(selector: str) -> list[str]:
    """Split on commas outside parentheses."""
    parts, depth, current = [], 0, ""
    for char in selector:
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        if char == "," and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += char
    if current.strip():
        parts.append(current)
    return [p for p in parts if p.strip()]


def _label_test(labels: dict[str, str], key: str, op: str, values: frozenset[str]) -> bool:
    if op == "=":
        return labels.get(key) in values
    if op == "!=":
        return labels.get(key) not in values
    if op == "in":
        return labels.get(key) in values
    if op == "notin":
        return labels.get(key) not in values
    if op == "exists":
        return key in labels
    return key not in labels  # "!" (does not exist)


def label_selector(selector: str | None) -> Matcher:
    if not selector:
        return lambda _obj: True
    requirements: list[tuple[str, str, frozenset[str]]] = []
    for term in _split(selector):
        eq = _EQ_RE.match(term)
        if eq:
            key, op, value = eq.groups()
            requirements.append((key, "!=" if op == "!=" else "=", frozenset({value})))
            continue
        match = _SET_RE.match(term)
        if not match:
            raise SelectorError(f"unable to parse requirement: {term.strip()!r}")
        negate, key, op, values = match.groups()
        if op and negate:
            raise SelectorError(f"unable to parse requirement: {term.strip()!r}")
        if op:
            requirements.append((key, op, frozenset(v.strip() for v in values.split(",") if v.strip())))
        else:
            requirements.append((key, "!" if negate else "exists", frozenset()))

    def matches(obj: dict[str, Any]) -> bool:
        labels = (obj.get("metadata") or {}).get("labels") or {}
        return all(_label_test(labels, k, op, v) for k, op, v in requirements)

    return matches


def _field(obj: dict[str, Any], path: str) -> str:
    node: Any = obj
    for part in path.split("."):
        if not isinstance(node, dict):
            return ""
        node = node.get(part)
    if node is None:
        return ""
    if isinstance(node, bool):
        return "true" if node else "false"
    return str(node)


_FIELD_RE = re.compile(r"^\s*([A-Za-z0-9._-]+)\s*(==|!=|=)\s*(.*?)\s*$")


def field_selector(selector: str | None) -> Matcher:
    if not selector:
        return lambda _obj: True
    requirements: list[tuple[str, bool, str]] = []
    for term in _split(selector):
        match = _FIELD_RE.match(term)
        if not match:
            raise SelectorError(f"invalid field selector: {term.strip()!r}")
        path, op, value = match.groups()
        requirements.append((path, op != "!=", value))

    def matches(obj: dict[str, Any]) -> bool:
        return all((_field(obj, path) == value) == equal for path, equal, value in requirements)

    return matches
