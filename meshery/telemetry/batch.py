"""Many range queries of one board in one request (the UI sends one batch per board)."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from typing import Any

from generated import errors
from meshery.telemetry import grafana, prometheus
from meshery.telemetry.fetch import Target

CONCURRENCY = 8  # range queries in flight per batch
MAX_QUERIES = 200


@dataclass(frozen=True)
class Query:
    id: str
    query: str
    ds: str = ""


def parse(body: dict[str, Any]) -> tuple[dict[str, str], list[Query]]:
    """The window (``start``, ``end``, ``step``) and the queries of a batch body."""
    raw = body.get("queries")
    items = raw if isinstance(raw, list) else []
    if not items:
        raise errors.ErrTelemetryBatch("no queries supplied")
    if len(items) > MAX_QUERIES:
        raise errors.ErrTelemetryBatch(f"too many queries: {len(items)} (max {MAX_QUERIES})")
    window = {k: str(body.get(k) or "") for k in ("start", "end", "step")}
    queries = [
        Query(id=str(q.get("id") or ""), query=str(q.get("query") or ""), ds=str(q.get("ds") or ""))
        for q in items if isinstance(q, dict)
    ]
    return window, queries


async def run(target: Target, window: dict[str, str], queries: list[Query], *, through_grafana: bool
              ) -> list[dict[str, Any]]:
    """One result per query, in order: ``{id, response}`` or ``{id, error}``; one failure never fails the batch.

    Through Grafana each query names its datasource (``ds``); the datasource list is read once.
    """
    sources = await grafana.datasources_or_none(target) if through_grafana else []
    gate = asyncio.Semaphore(CONCURRENCY)

    async def one(q: Query) -> dict[str, Any]:
        params = {"query": q.query, **window}
        async with gate:
            try:
                if through_grafana:
                    body = await grafana.query_range(target, q.ds, params, sources=sources)
                else:
                    body = await prometheus.query_range(target, params)
            except errors.MesheryError as exc:
                return {"id": q.id, "error": exc.message}
        try:
            return {"id": q.id, "response": json.loads(body)}
        except ValueError:
            return {"id": q.id, "error": errors.ErrTelemetryAnswer("the answer is not JSON").message}

    return list(await asyncio.gather(*(one(q) for q in queries)))
