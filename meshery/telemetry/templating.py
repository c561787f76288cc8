"""Template-variable queries of the older board views (upstream ``GrafanaQuery``).

A board's variable is filled by one of Grafana's query functions, answered through Prometheus:
``label_values(label)`` from the label's values, ``label_values(selector, label)`` from the series
the selector matches (within ``start``/``end`` when both are given), ``query_result(expr)`` as an
instant query; anything else is answered as a one-item list holding the text itself. ``$name``
in the expression is replaced by the request parameter ``name`` (the values of the other
variables), as upstream does.
"""

from __future__ import annotations

import json
from urllib.parse import quote

from meshery.telemetry.fetch import Params, Target, check, fetch

RESERVED = frozenset({"query", "dsid", "start", "end"})


def _substitute(text: str, values: list[tuple[str, str]], skip: frozenset[str]) -> str:
    for key, value in values:
        if key not in skip and key:
            text = text.replace("$" + key, value)
    return text


def _inner(query: str, prefix: str) -> str:
    return query[len(prefix):].removesuffix(")").strip()


async def resolve(target: Target, values: list[tuple[str, str]], *, prefix: str = "") -> bytes:
    """The answer to the ``query`` parameter among ``values``; ``prefix`` is Grafana's datasource proxy path."""
    given = dict(values)
    query = given.get("query", "").strip()
    params: Params
    if query.startswith("label_values("):
        inner = _inner(query, "label_values(")
        if "," in inner:
            selector = inner[: inner.rfind(", ")] if ", " in inner else inner[: inner.rfind(",")]
            params = [("match[]", _substitute(selector, values, RESERVED | {"time"}))]
            if given.get("start") and given.get("end"):
                params += [("start", given["start"]), ("end", given["end"])]
            path = f"{prefix}/api/v1/series"
        else:
            params = []
            path = f"{prefix}/api/v1/label/{quote(inner, safe='')}/values"
    elif query.startswith("query_result("):
        params = [("query", _substitute(_inner(query, "query_result("), values, frozenset({"query", "dsid"})))]
        path = f"{prefix}/api/v1/query"
    else:
        return json.dumps({"status": "success", "data": [query]}).encode()
    return check(await fetch(target, path, params=params), target, path).body
