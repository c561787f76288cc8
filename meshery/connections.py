"""Connections: the upstream state machine, listing and updates (any kind; Kubernetes mostly).

States and the transitions a user (or the server) may make, as upstream's connection machines:
discovered -> registered -> connected, plus ignored, maintenance, disconnected, deleted and
``not found``. Side effects of Kubernetes transitions (starting and stopping MeshSync) are
delegated to ``meshery.meshsync.manager``.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from generated import errors
from meshery import credentials, environment_wire, notify
from meshery.connection_config import CONFIG_KEY
from meshery.context import Services
from meshery.operator_manifests import OPERATOR_IMAGE
from meshery.store import connections as repo
from meshery.store import workspaces as workspace_repo
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


def view(conn: Connection) -> dict[str, Any]:
    """What a connection's answer carries by Python name (no credential); the spec names it on the wire."""
    meta = {k: v for k, v in (conn.meta or {}).items() if not k.startswith("_")}
    answer: dict[str, Any] = {
        "id": conn.id,
        "name": conn.name,
        "credential_id": conn.credential_id,
        "type": conn.type,
        "sub_type": conn.sub_type,
        "kind": conn.kind,
        "metadata": meta,
        "status": conn.status,
        "user_id": conn.user_id,
        "created_at": conn.created_at,
        "updated_at": conn.updated_at,
        "deleted_at": conn.deleted_at,
        "environments": [],
        "schema_version": "connections.meshery.io/v1beta1",
    }
    # Upstream leaves out an unset credential (`omitempty`); `deleted_at` stays, null.
    return {k: v for k, v in answer.items() if v is not None or k != "credential_id"}


@dataclass(frozen=True)
class Page:
    page: int
    page_size: int
    total_count: int
    connections: list[dict[str, Any]]
    status_summary: dict[str, int]


async def views(services: Services, rows: list[Connection]) -> list[dict[str, Any]]:
    """Connections' values with the environments each is attached to (one query for all)."""
    attached = await workspace_repo.environments_of_connections(services.store, [r.id for r in rows])
    out = []
    for row in rows:
        item = view(row)
        item["environments"] = [environment_wire.view(e) for e in attached.get(row.id, [])]
        out.append(item)
    return out


async def answer(services: Services, conn: Connection) -> dict[str, Any]:
    return (await views(services, [conn]))[0]


async def list_page(services: Services, flt: ConnectionFilter, *, page: int, page_size: int, order: str | None) -> Page:
    rows, total, summary = await repo.list_connections(services.store, flt, page=page, page_size=page_size, order=order)
    return Page(page, page_size, total, await views(services, rows), summary)


async def get(services: Services, connection_id: str) -> Connection:
    conn = await repo.get_connection(services.store, connection_id)
    if conn is None:
        raise errors.ErrConnectionNotFound(f"connection {connection_id}")
    return conn


async def update(services: Services, connection_id: str, changes: dict[str, Any]) -> Connection:
    """Apply a PUT: name/metadata edits and a status transition (with its side effects)."""
    conn = await get(services, connection_id)
    target = changes.get("status")
    if target is not None and not allowed(conn.status, target):
        raise errors.ErrConnectionTransition(
            f"{conn.status!r} -> {target!r}; allowed: {list(TRANSITIONS[conn.status])}"
        )
    if changes.get("name"):
        conn.name = str(changes["name"])
    await _update_identity(services, conn, changes)
    if isinstance(changes.get("metadata"), dict):
        protected = {k: v for k, v in (conn.meta or {}).items() if k.startswith("_")}
        conn.meta = {**(conn.meta or {}), **changes["metadata"], **protected}
    conn.updated_at = repo.now()
    await repo.save_connection(services.store, conn)
    if target is not None and target != conn.status:
        if conn.kind == "kubernetes":
            conn = await services.kube.change_status(conn, target)
        else:
            await repo.set_status(services.store, conn.id, target)
            conn = await get(services, connection_id)
    return conn


async def _update_identity(services: Services, conn: Connection, changes: dict[str, Any]) -> None:
    """The kind, type, sub-type and credential a PUT sends (the package sends the whole connection).

    A Kubernetes connection keeps its kind (its context and MeshSync hang on it); a credential
    must be the owner's.
    """
    kind = changes.get("kind")
    if kind and kind != conn.kind:
        if "kubernetes" in (kind, conn.kind):
            raise errors.ErrConnectionKindChange(f"{conn.kind!r} -> {kind!r}")
        conn.kind = str(kind)
    if changes.get("type"):
        conn.type = str(changes["type"])
    sub_type = changes.get("sub_type")
    if sub_type is not None:
        conn.sub_type = str(sub_type)
    credential_id = changes.get("credential_id")
    if isinstance(credential_id, str) and credential_id != conn.credential_id:
        conn.credential_id = (await credentials.get(services, conn.user_id or "", credential_id)).id


async def delete(services: Services, connection_id: str) -> Connection:
    conn = await get(services, connection_id)
    if conn.kind == "kubernetes":
        await services.kube.forget(conn)
    removed = await repo.delete_connection(services.store, connection_id)
    if removed is None:
        raise errors.ErrConnectionNotFound(f"connection {connection_id}")
    await workspace_repo.detach_connection_everywhere(services.store, connection_id)
    return removed


async def create(services: Services, owner: str, body: dict[str, Any]) -> Connection:
    """A connection of any kind from upstream's ConnectionPayload (with a new or existing credential)."""
    credential = None
    credential_id = body.get("credential_id")
    secret = body.get("credential_secret")
    if isinstance(secret, dict):
        credential = credentials.new_credential(
            services,
            owner,
            name=f"{body['kind']}-{body['name']}",
            type_=str(body["kind"]),
            secret=secret,
        )
        credential_id = credential.id
    elif isinstance(credential_id, str):
        credential_id = (await credentials.get(services, owner, credential_id)).id
    conn_id = str(body.get("id") or uuid.uuid4()).lower()
    if await repo.get_connection(services.store, conn_id) is not None:
        raise errors.ErrConnectionExists(f"a connection with id {conn_id} exists; update it with PUT instead")
    target = str(body.get("status") or REGISTERED)
    stamp = repo.now()
    conn = Connection(
        id=conn_id,
        name=str(body["name"]),
        credential_id=credential_id,
        type=str(body.get("type") or "platform"),
        sub_type=str(body.get("sub_type") or ""),
        kind=str(body["kind"]),
        meta={k: v for k, v in (body.get("metadata") or {}).items() if not str(k).startswith("_")},
        # A Kubernetes connection is connected through the state machine, which starts MeshSync.
        status=REGISTERED if target == CONNECTED and body["kind"] == "kubernetes" else target,
        user_id=owner,
        created_at=stamp,
        updated_at=stamp,
        deleted_at=None,
    )
    await repo.save_connection(services.store, conn, credential)
    await notify.raise_event(
        services,
        category="connection",
        action="create",
        severity="informational",
        description=f"Connection {conn.name} ({conn.kind}) created",
        acted_upon=conn.id,
        user_id=owner,
        metadata={"kind": conn.kind, "status": target},
    )
    if conn.status != target:
        conn = await update(services, conn.id, {"status": target})
    return conn


# --- per-connection controller configuration ------------------------------------------------


def controllers_config(services: Services, conn: Connection) -> dict[str, Any]:
    """The stored controller configuration of a connection over the server's defaults."""
    stored = (conn.meta or {}).get(CONFIG_KEY) or {}
    settings = services.settings
    return {
        "connection_id": conn.id,
        "operator": {"enabled": not settings.disable_operator, "image": OPERATOR_IMAGE, **stored.get("operator", {})},
        "meshsync": {"deploymentMode": settings.meshsync_default_deployment_mode, **stored.get("meshsync", {})},
        "broker": {"url": settings.nats_url or "", **stored.get("broker", {})},
    }


async def update_controllers_config(services: Services, connection_id: str, changes: dict[str, Any]) -> dict[str, Any]:
    """Merge the given fields into the stored configuration; a change of MeshSync mode takes effect now."""
    conn = await get(services, connection_id)
    before = controllers_config(services, conn)
    stored = dict((conn.meta or {}).get(CONFIG_KEY) or {})
    for section in ("operator", "meshsync", "broker"):
        if isinstance(changes.get(section), dict):
            stored[section] = {**stored.get(section, {}), **changes[section]}
    meta = {**(conn.meta or {}), CONFIG_KEY: stored}
    await repo.set_status(services.store, conn.id, conn.status, meta)
    conn = await get(services, connection_id)
    after = controllers_config(services, conn)
    if conn.kind == "kubernetes" and before["meshsync"] != after["meshsync"]:
        runtime = services.kube
        await runtime.stop_sync(conn.id)
        if conn.status in (CONNECTED, DISCONNECTED):
            await runtime.start_sync(conn)
    await notify.raise_event(
        services,
        category="connection",
        action="update",
        severity="informational",
        description=f"Controller configuration of connection {conn.name} changed",
        acted_upon=conn.id,
        metadata={"config": after},
    )
    return after


def operator_settings(services: Services, conn: Connection) -> dict[str, Any]:
    return dict(controllers_config(services, conn)["operator"])
