"""The lenient reader: a request's query and Content-Type as upstream's Go handlers read them.

One rule of the request layer, declared in the spec (root ``x-lenient``, copied onto each
parameter by codegen, see ``codegen/lenient.py``) and applied by ``meshery.dispatch`` before
Connexion's validation, so no route can forget it:

- query parameters the operation does not declare are dropped (logged at debug);
- a value a parameter's ``x-lenient.values`` lists is read by its meaning: ``default`` drops the
  parameter (its spec default applies), ``all`` is carried past validation to the handler (the
  ``Paging`` fold reads it as ``unbounded``);
- an array parameter marked ``jsonArray`` that holds one JSON array is read as the repeated
  parameter (``status=["a","b"]`` is ``status=a&status=b``; ``[]`` is no filter);
- a JSON body sent as ``text/plain`` or without a Content-Type is read as ``application/json``.

Anything else passes unchanged, so a value that is present and wrong still fails validation.
Each operation's ``QueryPlan`` is built once; a request pays one parse of its query string.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode

KEY = "x-lenient"
DEFAULT = "default"
ALL = "all"
NO_CONTENT_TYPE = "none"

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Reading:
    """A query as the handler should see it: the rewritten query string and values kept past validation."""

    query_string: bytes
    carried: Mapping[str, str] = field(default_factory=dict)  # shared by requests with the same query: read only
    ignored: tuple[str, ...] = ()  # the parameters dropped as unknown


@dataclass(frozen=True)
class QueryPlan:
    """What one operation accepts of a query beyond its parameters' schemas."""

    operation_id: str
    known: frozenset[str]
    values: Mapping[str, Mapping[str, str]]
    arrays: frozenset[str]
    ignore_unknown: bool

    def read(self, query_string: bytes) -> Reading | None:
        """The query rewritten by the rule, or None when it already reads as sent."""
        pairs = parse_qsl(query_string.decode("latin-1"), keep_blank_values=True)
        kept: list[tuple[str, str]] = []
        carried: dict[str, str] = {}
        ignored: list[str] = []
        changed = False
        for name, value in pairs:
            if name not in self.known:
                if self.ignore_unknown:
                    changed = True
                    ignored.append(name)
                    continue
            elif name in self.values:
                meaning = self.values[name].get(value)
                if meaning is not None:
                    changed = True
                    if meaning == ALL:
                        carried[name] = value
                    continue
            elif name in self.arrays and value.startswith("["):
                items = _json_array(value)
                if items is not None:
                    changed = True
                    kept += [(name, item) for item in items]
                    continue
            kept.append((name, value))
        if not changed:
            return None
        return Reading(urlencode(kept).encode("latin-1"), carried, tuple(ignored))


def _json_array(text: str) -> list[str] | None:
    """The items of a JSON array of scalars as query values, or None when ``text`` is not one."""
    try:
        parsed = json.loads(text)
    except ValueError:
        return None
    if not isinstance(parsed, list) or not all(isinstance(i, str | int | float | bool) for i in parsed):
        return None
    return [i if isinstance(i, str) else json.dumps(i) for i in parsed]


def rule(spec: Mapping[str, Any]) -> Mapping[str, Any]:
    """The spec root's ``x-lenient`` rule (empty: the strict reader)."""
    found = spec.get(KEY) or {}
    return found if isinstance(found, Mapping) else {}


def ignores_unknown(root: Mapping[str, Any]) -> bool:
    return bool(root) and root.get("unknownParameters", "ignore") == "ignore"


def json_body_types(root: Mapping[str, Any]) -> frozenset[str]:
    """Media types (``none``: no Content-Type) read as JSON where an operation takes JSON."""
    return frozenset(str(m) for m in root.get("jsonBody", ()))


def plan(operation_id: str, parameters: Iterable[Mapping[str, Any]], root: Mapping[str, Any]) -> QueryPlan | None:
    """The operation's plan from its (resolved) parameters, or None when the strict reader applies."""
    if not root:
        return None
    query = [p for p in parameters if p.get("in") == "query"]
    values: dict[str, dict[str, str]] = {}
    arrays: set[str] = set()
    for p in query:
        declared = p.get(KEY) or {}
        if declared.get("values"):
            values[p["name"]] = {str(k): str(v) for k, v in declared["values"].items()}
        if declared.get("jsonArray"):
            arrays.add(p["name"])
    return QueryPlan(
        operation_id=operation_id,
        known=frozenset(p["name"] for p in query),
        values=values,
        arrays=frozenset(arrays),
        ignore_unknown=ignores_unknown(root),
    )


def log_ignored(operation_id: str, reading: Reading) -> None:
    """Log (debug) the query parameters a request sent that its operation does not declare."""
    if reading.ignored and log.isEnabledFor(logging.DEBUG):
        log.debug("%s: ignored query parameters %s", operation_id, sorted(set(reading.ignored)))


def unknown_fields(operation_id: str, names: Iterable[str], known: frozenset[str]) -> None:
    """Log (debug) the form fields of a request that its operation does not declare."""
    extra = [n for n in names if n not in known]
    if extra:
        log.debug("%s: ignored form fields %s", operation_id, sorted(extra))
