"""What a user keeps on a telemetry connection: pinned Grafana boards, saved Prometheus panels,
and the board selections of the older routes, all in the connection's metadata (as upstream,
which needs no table of its own for them)."""

from __future__ import annotations

from typing import Any

from meshery.context import Services
from meshery.store import connections as repo
from meshery.store.connections import Connection

PINNED_BOARDS = "telemetryPinnedBoards"  # upstream grafana.MetadataPinnedBoardsKey
PROMETHEUS_PANELS = "telemetryPrometheusPanels"  # upstream prometheus.MetadataPanelsKey
GRAFANA_BOARDS = "grafana_boards"  # older selected-boards routes
PROMETHEUS_BOARDS = "prometheus_boards"


def read(conn: Connection, key: str) -> list[Any]:
    value = (conn.meta or {}).get(key)
    return list(value) if isinstance(value, list) else []


async def write(services: Services, conn: Connection, key: str, items: list[Any]) -> list[Any]:
    """Replace the list under ``key``; an empty list removes it (as upstream)."""
    meta = dict(conn.meta or {})
    if items:
        meta[key] = items
    else:
        meta.pop(key, None)
    await repo.set_status(services.store, conn.id, conn.status, meta)
    conn.meta = meta
    return items


def pinned_board(item: dict[str, Any]) -> dict[str, str]:
    return {"uid": str(item.get("uid") or ""), "title": str(item.get("title") or "")}


def metric_panel(item: dict[str, Any]) -> dict[str, Any]:
    raw_grid = item.get("gridPos")
    grid: dict[str, Any] = raw_grid if isinstance(raw_grid, dict) else {}
    panel: dict[str, Any] = {
        "id": str(item.get("id") or ""),
        "title": str(item.get("title") or ""),
        "expr": str(item.get("expr") or ""),
        "type": str(item.get("type") or ""),
        "gridPos": {k: v if isinstance(v := grid.get(k), int) else 0 for k in ("x", "y", "w", "h")},
    }
    if item.get("unit"):
        panel["unit"] = str(item["unit"])
    return panel
