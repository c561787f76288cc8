"""Load YAML safely and fast, with the YAML 1.1 meaning that Kubernetes and upstream Meshery give it.

Two loaders: ``yaml_rs`` (Rust; YAML 1.2 core schema; aliases replayed under a limit) is
20-40 times faster than libyaml through PyYAML on designs, but reads the YAML 1.1 booleans
(``yes``/``on``/``off``...), ``0644`` octal and ``0b`` binary as strings or decimals, where
Kubernetes (go-yaml v2) and PyYAML read booleans and octal; it has no merge keys or explicit
tags either. Text with none of those and no aliases goes to ``yaml_rs``; anything else, and
anything ``yaml_rs`` refuses, goes to PyYAML's safe loader (libyaml),
whose shared alias values are then walked by ``check_budget`` so a "billion laughs"
document is refused. Timestamps stay strings with both (as in JSON and Go). Known remaining
differences from go-yaml v2, rare in manifests: ``y``/``n`` stay strings with both loaders;
on the PyYAML path ``1e3`` stays a string and ``1:30`` is sexagesimal.
"""

from __future__ import annotations

import base64
import datetime
import re
from typing import Any

import orjson
import yaml
import yaml_rs

from generated import errors

MAX_NODES = 2_000_000
"""Budget of values in a loaded document, aliases counted at every use."""
MAX_DEPTH = 200
# Aliased text never takes the fast path; the limits are a second line of defence.
ALIAS_LIMITS = yaml_rs.AliasLimits(max_total_replayed_events=MAX_NODES, max_replay_stack_depth=64)

# Plain scalars that Kubernetes' YAML reader (go-yaml v2: YAML 1.1 booleans, 0-prefixed octal,
# 0b binary) and PyYAML read as booleans or numbers but YAML 1.2 (yaml_rs) does not, from where
# a plain scalar starts to where it ends.
_YAML11_ONLY = re.compile(
    r"""(?:^[ \t]*(?:-[ \t]+)*|:[ \t]+|[-?][ \t]+|[\[{,][ \t]*)
    (?:
        (?:yes|Yes|YES|no|No|NO|on|On|ON|off|Off|OFF|=)
      | [-+]?0[0-7_]*[0-9_]
      | [-+]?0b[01_]+
    )
    (?=[ \t]*(?:$|\#|:[ \t]|:$|[,\]}]))""",
    re.MULTILINE | re.VERBOSE,
)
_INDICATOR_BEFORE = frozenset(" \t\n\r[{,:-")
_NOT_ALIAS_NAME = frozenset(" \t\n\r,[]{}")
_DOCUMENT = re.compile(r"^(?=---(?:[ \t]|$))", re.MULTILINE)


class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """The safe loader without the timestamp resolver: dates stay strings, as in JSON and Go."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


# Cheap scans for where such a scalar might be; each hit's line is then checked exactly.
_WORDS = r"(?:yes|Yes|YES|no|No|NO|on|On|ON|off|Off|OFF|=)(?![^\s#:,\]}])"
_CANDIDATES = (
    re.compile(r"(?::|-|,|\[|\{)[ \t]*+" + _WORDS),
    re.compile(r"\n[ \t]*+" + _WORDS),
    re.compile(r"\A[ \t]*+" + _WORDS),
    re.compile(r"[ \t\[{,][-+]?0[0-9b_]"),
)


def _has_indicator(text: str, char: str) -> bool:
    """Whether ``char`` occurs where a node may start (a tag ``!`` or an alias ``*``), not inside a word."""
    at = text.find(char)
    while at >= 0:
        if at == 0 or text[at - 1] in _INDICATOR_BEFORE:
            return True
        at = text.find(char, at + 1)
    return False


def _has_alias(text: str) -> bool:
    at = text.find("*")
    while at >= 0:
        if (at == 0 or text[at - 1] in _INDICATOR_BEFORE) and text[at + 1 : at + 2] not in _NOT_ALIAS_NAME:
            return True
        at = text.find("*", at + 1)
    return False


def fast_path(text: str) -> bool:
    """True when both loaders give the same values for ``text`` (so the fast one may be used)."""
    if "<<" in text or text.startswith("%") or "\n%" in text or _has_indicator(text, "!") or _has_alias(text):
        return False
    checked: set[int] = set()
    for candidates in _CANDIDATES:
        for hit in candidates.finditer(text):
            start = text.rfind("\n", 0, hit.start()) + 1
            if start in checked:
                continue
            checked.add(start)
            end = text.find("\n", hit.end())
            if _YAML11_ONLY.search(text, start, len(text) if end < 0 else end) is not None:
                return False
    return True


def load_all(
    text: str,
    *,
    what: str,
    invalid: type[errors.MesheryError],
    too_large: type[errors.MesheryError] = errors.ErrDesignTooLarge,
    max_nodes: int = MAX_NODES,
    max_depth: int = MAX_DEPTH,
) -> list[Any]:
    """The documents of a YAML stream as JSON values (see ``jsonable``), empty ones kept as None.

    ``too_large`` is raised past the expansion (``max_nodes``) or depth (``max_depth``) budget.
    """
    docs: list[Any] = jsonable(
        _load_all(text, what=what, invalid=invalid, too_large=too_large, max_nodes=max_nodes, max_depth=max_depth)
    )
    return docs


def jsonable(value: Any) -> Any:
    """``value`` with JSON types only, as Kubernetes' YAML-to-JSON conversion makes them.

    Non-string keys become strings (``1`` → ``"1"``, ``true`` → ``"true"``), ``!!binary``
    becomes base64 text, timestamps RFC 3339 text, sets and pairs lists. A value orjson can
    already encode is returned as it is (one C-speed check, no walk).
    """
    try:
        orjson.dumps(value)
    except TypeError:
        return _convert(value)
    return value


def _key(key: Any) -> str:
    if isinstance(key, str):
        return key
    if isinstance(key, bool) or key is None:
        return orjson.dumps(key).decode()
    return str(_convert(key))


def _convert(value: Any) -> Any:
    if isinstance(value, dict):
        return {_key(k): _convert(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        items = [_convert(v) for v in value]
        return sorted(items, key=repr) if isinstance(value, (set, frozenset)) else items
    if isinstance(value, (bytes, bytearray)):
        return base64.b64encode(value).decode()
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    return value


def _load_all(
    text: str,
    *,
    what: str,
    invalid: type[errors.MesheryError],
    too_large: type[errors.MesheryError] = errors.ErrDesignTooLarge,
    max_nodes: int = MAX_NODES,
    max_depth: int = MAX_DEPTH,
) -> list[Any]:
    if fast_path(text):
        try:
            return [
                yaml_rs.loads(
                    chunk,
                    parse_datetime=False,
                    alias_limits=ALIAS_LIMITS,
                    duplicate_key_policy=yaml_rs.DuplicateKeyPolicy.LastWins,
                )
                for chunk in _DOCUMENT.split(text)
                if chunk.strip()
            ]
        except (yaml_rs.YAMLDecodeError, ValueError, OverflowError, RecursionError):
            pass  # the careful loader decides, with its own error message
    try:
        docs = list(yaml.load_all(text, Loader=_Loader))
    except yaml.YAMLError as exc:
        raise invalid(f"the {what} is not valid YAML or JSON: {first_line(exc)}") from None
    except RecursionError:
        raise too_large(f"the {what} is nested too deeply") from None
    if _has_alias(text):  # without aliases nothing is shared or recursive: the text bounds the size
        check_budget(docs, what=what, too_large=too_large, max_nodes=max_nodes, max_depth=max_depth)
    return docs


def check_budget(
    doc: Any,
    *,
    what: str = "design",
    too_large: type[errors.MesheryError] = errors.ErrDesignTooLarge,
    max_nodes: int = MAX_NODES,
    max_depth: int = MAX_DEPTH,
) -> None:
    """Refuse a value whose expansion (shared alias targets counted at every use) or depth exceeds the budget.

    Sizes are memoised per object, so a "billion laughs" document costs only its distinct nodes;
    a cycle (a recursive alias) is refused as well.
    """
    sizes: dict[int, int] = {}
    open_ids: set[int] = set()
    stack: list[tuple[Any, int, bool]] = [(doc, 0, False)]
    while stack:
        value, depth, done = stack.pop()
        key = id(value)
        if done:
            children = value.values() if isinstance(value, dict) else value
            total = 1 + sum(sizes.get(id(c), 1) for c in children)
            if total > max_nodes:
                raise too_large(f"the {what} expands to more than {max_nodes} values (YAML aliases?)")
            sizes[key] = total
            open_ids.discard(key)
            continue
        if not isinstance(value, (dict, list)) or key in sizes:
            continue
        if key in open_ids:
            raise too_large(f"the {what} refers to itself (a recursive YAML alias)")
        if depth > max_depth:
            raise too_large(f"the {what} is nested deeper than {max_depth} levels")
        open_ids.add(key)
        stack.append((value, depth, True))
        children = value.values() if isinstance(value, dict) else value
        stack.extend((c, depth + 1, False) for c in children if isinstance(c, (dict, list)))


def first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return " ".join(line.strip() for line in text[:3])[:300] if text else type(exc).__name__
