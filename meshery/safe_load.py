"""The one budgeted reader of user YAML and JSON: size, aliases, expansion, depth and time.

Every place that parses YAML a user sent (registry generate and imports, kubeconfig uploads,
adapter manifests; designs through ``meshery.designs.document``, which applies the same
budgets) goes through ``yaml_documents``:

- the text may be at most ``Budget.max_bytes`` long (``ErrRequestTooLarge``, 413);
- it may use at most ``Budget.max_aliases`` aliases (``*name``), and its values, shared alias
  targets counted at every use, may number at most ``Budget.max_nodes``; a recursive alias is
  refused as well (``ErrInputTooComplex``, 400);
- it may nest at most ``Budget.max_depth`` levels (``ErrInputNestedTooDeeply``, 400).

Parsing and the work that follows it run off the event loop (``off_loop``) with a time budget:
past ``Budget.seconds`` the request gets ``ErrParseTimeout`` (400) at once; the budgets above
bound how long the abandoned thread can still run.

``json_depth`` measures the nesting of JSON text without parsing it (the request layer,
``meshery.limits``, refuses deep bodies before any recursive parser sees them).
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from generated import errors
from meshery import yamlio

T = TypeVar("T")


@dataclass(frozen=True)
class Budget:
    """What one YAML input may cost."""

    max_bytes: int = 8 * 1024 * 1024
    max_aliases: int = 1_000
    max_nodes: int = 500_000
    max_depth: int = 100
    seconds: float = 5.0


DEFAULT = Budget()
DOCUMENT_SECONDS = 30.0
"""Time budget of reading a design or an imported file (up to 32 MiB of text)."""
ARCHIVE_SECONDS = 120.0
"""Time budget of expanding and reading an uploaded model archive (up to 256 MiB)."""

# An alias node: ``*`` where a node may start, followed by an anchor name.
_ALIAS = re.compile(r"(?:^|(?<=[\s\[{,:-]))\*[^\s,\[\]{}]")
_JSON_STRING = re.compile(rb'"(?:[^"\\]|\\.)*+"', re.DOTALL)
_NOT_BRACKET = re.compile(rb"[^\[\]{}]+")
_INNERMOST = re.compile(rb"[\[{][^\[\]{}]*+[\]}]")


def alias_count(text: str) -> int:
    """How many alias nodes ``text`` holds (an upper bound: ``*x`` inside quoted text counts too)."""
    return sum(1 for _ in _ALIAS.finditer(text))


_INDENT = re.compile(r"^[ \t?:-]*", re.MULTILINE)


def depth_bound(text: str) -> int:
    """An upper bound of the nesting of YAML text: its deepest indentation plus its flow brackets."""
    indent = max((len(m) for m in _INDENT.findall(text)), default=0)
    return indent + text.count("[") + text.count("{") + 1


def yaml_documents(
    data: str | bytes,
    *,
    what: str,
    invalid: type[errors.MesheryError],
    budget: Budget = DEFAULT,
    keep_empty: bool = False,
) -> list[Any]:
    """The documents of a YAML (or JSON) stream as JSON values, within ``budget``.

    Text that is not YAML raises ``invalid``; the budgets raise their own catalogued errors.
    """
    if len(data) > budget.max_bytes:
        raise errors.ErrRequestTooLarge(f"the {what} has {len(data)} bytes; the limit is {budget.max_bytes}")
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise invalid(f"the {what} is not UTF-8 text: {exc.reason}") from None
    aliases = alias_count(data)
    if aliases > budget.max_aliases:
        raise errors.ErrInputTooComplex(f"the {what} uses {aliases} YAML aliases; the limit is {budget.max_aliases}")
    docs = yamlio.load_all(
        data,
        what=what,
        invalid=invalid,
        too_large=errors.ErrInputTooComplex,
        max_nodes=budget.max_nodes,
        max_depth=budget.max_depth,
    )
    # Without aliases the loader checked nothing but recursion: the depth is checked here, unless
    # the text cannot nest that deep (one level per indentation column or flow bracket at most).
    if aliases or depth_bound(data) > budget.max_depth:
        check_depth(docs, what=what, max_depth=budget.max_depth)
    return docs if keep_empty else [d for d in docs if d is not None]


def yaml_document(data: str | bytes, *, what: str, invalid: type[errors.MesheryError], budget: Budget = DEFAULT) -> Any:
    """The single document of ``data`` (None when empty); more than one raises ``invalid``."""
    docs = yaml_documents(data, what=what, invalid=invalid, budget=budget)
    if len(docs) > 1:
        raise invalid(f"the {what} holds {len(docs)} YAML documents; send one")
    return docs[0] if docs else None


def check_depth(value: Any, *, what: str, max_depth: int) -> None:
    """Refuse a loaded value nested deeper than ``max_depth`` (iterative: no recursion limit)."""
    stack: list[tuple[Any, int]] = [(value, 0)]
    seen: set[int] = set()
    while stack:
        item, depth = stack.pop()
        if depth > max_depth:
            raise errors.ErrInputNestedTooDeeply(f"the {what} is nested deeper than {max_depth} levels")
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if id(item) in seen:  # a shared alias target: its depth below was measured once already
            continue
        seen.add(id(item))
        stack.extend((c, depth + 1) for c in children if isinstance(c, (dict, list)))


def json_depth(data: bytes, *, limit: int) -> int:
    """Above ``limit`` exactly when JSON text nests deeper than ``limit`` levels.

    Measuring stops once past ``limit``; text with at most ``limit`` brackets is not scanned (0).

    Strings are removed first (brackets inside them do not count); then the innermost
    bracket pairs are removed once per level, each pass in C.
    """
    if data.count(b"[") + data.count(b"{") <= limit:
        return 0
    text = _JSON_STRING.sub(b"", data) if b'"' in data else data
    text = _NOT_BRACKET.sub(b"", text)
    depth = 0
    while text:
        if depth > limit:
            return depth
        shorter = _INNERMOST.sub(b"", text)
        if len(shorter) == len(text):  # unbalanced: a parser would recurse into every bracket left
            return depth + len(text)
        text = shorter
        depth += 1
    return depth


async def off_loop(work: Callable[[], T], *, what: str, seconds: float = DEFAULT.seconds) -> T:
    """Run CPU-heavy parsing in a worker thread; ``ErrParseTimeout`` past ``seconds``.

    The thread cannot be stopped: the size and expansion budgets bound what it still costs.
    """
    try:
        return await asyncio.wait_for(asyncio.to_thread(work), timeout=seconds)
    except TimeoutError:
        raise errors.ErrParseTimeout(f"reading the {what} took longer than {seconds:g} s") from None
