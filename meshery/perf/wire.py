"""Stored performance rows as upstream's JSON (snake_case; the encoder adds the camelCase twins).

REST answers are encoded from the spec (datetimes stay ``datetime``); GraphQL takes text, so
``graphql_*`` turn timestamps into the one wire format.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from generated.answers import wire_time
from meshery.store import perf as repo


def profile(row: repo.PerfProfileRow, *, total_results: int = 0) -> dict[str, Any]:
    return {
        "id": row.id,
        "name": row.name,
        "user_id": row.user_id,
        "schedule": row.schedule_id,
        "load_generators": list(row.load_generators or []),
        "endpoints": list(row.endpoints or []),
        "service_mesh": row.service_mesh,
        "concurrent_request": row.concurrent_request,
        "qps": row.qps,
        "duration": row.duration,
        "request_headers": row.request_headers,
        "request_cookies": row.request_cookies,
        "request_body": row.request_body,
        "content_type": row.content_type,
        "metadata": dict(row.meta or {}),
        "last_run": row.last_run,
        "total_results": total_results,
        "created_at": row.created_at,
        "updated_at": row.updated_at,
    }


def result(row: repo.PerfResultRow) -> dict[str, Any]:
    return {
        "meshery_id": row.id,
        "name": row.name,
        "mesh": row.mesh,
        "performance_profile": row.profile_id,
        "test_id": row.test_id,
        "runner_results": dict(row.runner_results or {}),
        "server_metrics": row.server_metrics,
        "server_board_config": row.server_board_config,
        "test_start_time": row.test_start_time,
        "user_id": row.user_id,
        "created_at": row.created_at,
        "updated_at": row.updated_at,
    }


def schedule(row: repo.ScheduleRow, *, next_run: datetime | None) -> dict[str, Any]:
    return {
        "id": row.id,
        "name": row.name,
        "user_id": row.user_id,
        "cron_expression": row.cron_expression,
        "last_run": row.last_run,
        "next_run": next_run,
        "missed_runs": row.missed_runs,
        "last_missed": row.last_missed,
        "created_at": row.created_at,
        "updated_at": row.updated_at,
    }


def page(key: str, items: list[dict[str, Any]], *, page: int, page_size: int, total: int) -> dict[str, Any]:
    return {"page": page, "page_size": page_size, "total_count": total, key: items}


def as_text(value: dict[str, Any]) -> dict[str, Any]:
    """A wire dict with every timestamp as text (GraphQL, SSE)."""
    return {k: wire_time(v) if isinstance(v, datetime) else v for k, v in value.items()}


def graphql_result(value: dict[str, Any]) -> dict[str, Any]:
    """A result for GraphQL: text timestamps; ``server_metrics``/``server_board_config`` are String there."""
    out = as_text(value)
    for key in ("server_metrics", "server_board_config"):
        metrics = out.get(key)
        out[key] = None if metrics is None else _json_text(metrics)
    return out


def _json_text(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), default=str)
