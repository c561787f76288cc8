"""Connections: the upstream state machine, listing and updates (any kind; Kubernetes mostly).

States and the transitions a user (or the server) may make, as upstream's connection machines:
discovered -> registered -> connected, plus ignored, maintenance, disconnected, deleted and
``not found``. Side effects of Kubernetes transitions (starting and stopping MeshSync) are
delegated to ``meshery.meshsync.manager``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from generated import errors
from meshery.context import Services
from meshery.store import connections as repo
from meshery.store.connections import Connection, ConnectionFilter

__all__ = ["ConnectionFilter"]

DISCOVERED, REGISTERED, CONNECTED = "discovered", "registered", "connected"
IGNORED, MAINTENANCE, DISCONNECTED, DELETED, NOT_FOUND = (
    "ignored",
    "maintenance",
    "disconnected",
    "deleted",
    "not found",
)
STATUSES = (DISCOVERED, REGISTERED, CONNECTED, IGNORED, MAINTENANCE, DISCONNECTED, DELETED, NOT_FOUND)

TRANSITIONS: dict[str, tuple[str, ...]] = {
    DISCOVERED: (REGISTERED, IGNORED, NOT_FOUND),
    REGISTERED: (CONNECTED, IGNORED, NOT_FOUND, DELETED),
    CONNECTED: (DISCONNECTED, IGNORED, MAINTENANCE, DELETED, NOT_FOUND),
    DISCONNECTED: (CONNECTED, IGNORED, DELETED, NOT_FOUND),
    IGNORED: (DISCOVERED, REGISTERED, DELETED),
    MAINTENANCE: (CONNECTED, DISCONNECTED, DELETED),
    NOT_FOUND: (REGISTERED, CONNECTED, DISCOVERED, IGNORED, DELETED),
    DELETED: (DISCOVERED, REGISTERED),
}


def allowed(current: str, target: str) -> bool:
    return current == target or target in TRANSITIONS.get(current, ())


def transition_map() -> dict[str, list[str]]:
    return {state: list(nexts) for state, nexts in TRANSITIONS.items()}


def iso(value: datetime) -> str:
    """RFC 3339 with a zone (SQLite hands back naive datetimes; they are UTC)."""
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).isoformat()


def to_json(conn: Connection) -> dict[str, Any]:
    """A connection as upstream's server puts it on the wire (snake_case, no credential)."""
    meta = {k: v for k, v in (conn.meta or {}).items() if not k.startswith("_")}
    return {
        "id": conn.id,
        "name": conn.name,
        "credential_id": conn.credential_id,
        "type": conn.type,
        "sub_type": conn.sub_type,
        "kind": conn.kind,
        "metadata": meta,
        "status": conn.status,
        "user_id": conn.user_id,
        "created_at": iso(conn.created_at),
        "updated_at": iso(conn.updated_at),
        "deleted_at": iso(conn.deleted_at) if conn.deleted_at else None,
        "environments": [],
        "schemaVersion": "connections.meshery.io/v1beta1",
    }


@dataclass(frozen=True)
class Page:
    page: int
    page_size: int
    total_count: int
    connections: list[dict[str, Any]]
    status_summary: dict[str, int]


async def list_page(services: Services, flt: ConnectionFilter, *, page: int, page_size: int, order: str | None) -> Page:
    rows, total, summary = await repo.list_connections(services.store, flt, page=page, page_size=page_size, order=order)
    return Page(page, page_size, total, [to_json(r) for r in rows], summary)


async def get(services: Services, connection_id: str) -> Connection:
    conn = await repo.get_connection(services.store, connection_id)
    if conn is None:
        raise errors.ErrConnectionNotFound(f"connection {connection_id}")
    return conn


async def update(services: Services, connection_id: str, changes: dict[str, Any]) -> Connection:
    """Apply a PUT: name/metadata edits and a status transition (with its side effects)."""
    from meshery.meshsync import manager

    conn = await get(services, connection_id)
    target = changes.get("status")
    if target is not None and not allowed(conn.status, target):
        raise errors.ErrConnectionTransition(
            f"{conn.status!r} -> {target!r}; allowed: {list(TRANSITIONS[conn.status])}"
        )
    if changes.get("name"):
        conn.name = str(changes["name"])
    if isinstance(changes.get("metadata"), dict):
        protected = {k: v for k, v in (conn.meta or {}).items() if k.startswith("_")}
        conn.meta = {**(conn.meta or {}), **changes["metadata"], **protected}
    conn.updated_at = repo.now()
    await repo.save_connection(services.store, conn)
    if target is not None and target != conn.status:
        if conn.kind == "kubernetes":
            conn = await manager.runtime(services).change_status(conn, target)
        else:
            await repo.set_status(services.store, conn.id, target)
            conn = await get(services, connection_id)
    return conn


async def delete(services: Services, connection_id: str) -> Connection:
    from meshery.meshsync import manager

    conn = await get(services, connection_id)
    if conn.kind == "kubernetes":
        await manager.runtime(services).forget(conn)
    removed = await repo.delete_connection(services.store, connection_id)
    if removed is None:
        raise errors.ErrConnectionNotFound(f"connection {connection_id}")
    return removed
