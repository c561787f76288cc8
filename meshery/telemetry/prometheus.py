"""Prometheus through a connection: health, metric and label discovery, metadata and queries.

Upstream's client (``models/telemetry/prometheus``): health from ``/api/v1/status/buildinfo``,
metric names from the values of ``__name__``, labels and label values (optionally narrowed by a
``match[]`` selector), metadata, instant and range queries (answers passed through as bytes),
and the node instances of the static node board from node-exporter's ``node_boot_time_seconds``
series of the last five minutes.
"""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import quote

from generated import errors
from meshery.telemetry.fetch import Params, Target, check, fetch, get_json

DEFAULT_METRIC_LIMIT = 2000


async def health(target: Target) -> dict[str, Any]:
    data = check(await fetch(target, "/api/v1/status/buildinfo"), target, "/api/v1/status/buildinfo").json()
    info = data.get("data") if isinstance(data, dict) else None
    version = info.get("version") if isinstance(info, dict) else None
    return {"reachable": True, "version": str(version or "")}


async def validate(target: Target) -> None:
    """Upstream's check of a new configuration: the target answers ``/api/v1/status/config``."""
    check(await fetch(target, "/api/v1/status/config"), target, "/api/v1/status/config")


async def _strings(target: Target, path: str, params: dict[str, str] | None = None) -> list[str]:
    data = await get_json(target, path, params=params)
    values = data.get("data") if isinstance(data, dict) else None
    if not isinstance(values, list):
        raise errors.ErrTelemetryAnswer(f"{target.host}{path} did not answer a list of values")
    return [str(v) for v in values]


async def metric_names(target: Target, search: str | None, limit: int | None) -> list[str]:
    names = await _strings(target, "/api/v1/label/__name__/values")
    needle = (search or "").strip().lower()
    cap = limit if limit and limit > 0 else DEFAULT_METRIC_LIMIT
    return [n for n in names if needle in n.lower()][:cap]


def _match(match: str | None) -> dict[str, str] | None:
    return {"match[]": match} if match and match.strip() else None


async def labels(target: Target, match: str | None) -> list[str]:
    return await _strings(target, "/api/v1/labels", _match(match))


async def label_values(target: Target, label: str, match: str | None) -> list[str]:
    if not label.strip():
        raise errors.ErrTelemetryParameter("empty label name")
    return await _strings(target, f"/api/v1/label/{quote(label, safe='')}/values", _match(match))


async def _raw(target: Target, path: str, params: dict[str, str]) -> bytes:
    return check(await fetch(target, path, params=params), target, path).body


async def metadata(target: Target, metric: str | None) -> bytes:
    return await _raw(target, "/api/v1/metadata", {"metric": metric} if metric and metric.strip() else {})


async def query(target: Target, expr: str, at: str | None) -> bytes:
    params = {"query": expr}
    if at and at.strip():
        params["time"] = at
    return await _raw(target, "/api/v1/query", params)


async def query_range(target: Target, params: dict[str, str]) -> bytes:
    """``params``: ``query``, ``start``, ``end``, ``step`` (as upstream forwards them)."""
    return await _raw(target, "/api/v1/query_range", params)


async def node_instances(target: Target) -> list[str]:
    now = time.time()
    params: Params = [
        ("match[]", 'node_boot_time_seconds{cluster="", job="node-exporter"}'),
        ("start", f"{now - 300:.3f}"),
        ("end", f"{now:.3f}"),
    ]
    data = await get_json(target, "/api/v1/series", params=params)
    series = data.get("data") if isinstance(data, dict) else None
    found = [s.get("instance") for s in series if isinstance(s, dict)] if isinstance(series, list) else []
    return sorted({str(i) for i in found if i})
