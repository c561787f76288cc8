"""Environments: the caller's groups of connections (upstream ``environments``).

Each environment belongs to its creator; another user's environment is "not found". Deleting one
detaches it from its connections and from the workspaces it was assigned to (the connections and
workspaces stay). Answers are encoded from the spec (``Environment``: upstream's snake_case wire names); the values
here carry Go's ``sql.NullTime`` shape for ``deleted_at`` (rows are deleted, so it is never valid).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from generated import errors
from meshery import connections, notify
from meshery.context import Services
from meshery.environment_wire import null_time, view
from meshery.store import workspaces as repo
from meshery.store.workspaces import Environment, EnvironmentConnection, ListQuery, Workspace

# The answer values live in meshery.environment_wire (the connection service needs them too).
__all__ = ["null_time", "view"]

# The organization of objects created without one (the local provider has no organizations).
LOCAL_ORG_ID = "ac7d4b1a-3c0e-5f6b-9a2d-6f1e0b8c4d27"


def org_of(body: dict[str, Any], default: str) -> str:
    for key in ("organization_id", "organizationID", "organizationId"):
        if isinstance(body.get(key), str):
            return str(body[key]).lower()
    return default


def apply_update(row: Environment | Workspace, body: dict[str, Any]) -> None:
    """Apply an update body to an environment or a workspace: the fields given, metadata merged."""
    if body.get("name"):
        row.name = str(body["name"])
    if isinstance(body.get("description"), str):
        row.description = body["description"]
    row.organization_id = org_of(body, row.organization_id)
    if isinstance(body.get("metadata"), dict):
        row.meta = {**(row.meta or {}), **body["metadata"]}
    row.updated_at = repo.now()


def link_view(link: EnvironmentConnection) -> dict[str, Any]:
    return {
        "id": link.id,
        "environment_id": link.environment_id,
        "connection_id": link.connection_id,
        "created_at": link.created_at,
        "updated_at": link.created_at,
        "deleted_at": null_time(),
    }


@dataclass(frozen=True)
class Page:
    page: int
    page_size: int
    total_count: int
    environments: list[dict[str, Any]]


async def list_page(services: Services, q: ListQuery) -> Page:
    rows, total = await repo.list_owned(services.store, Environment, q)
    return Page(q.page, q.page_size, total, [view(r) for r in rows])


async def get(services: Services, owner: str, environment_id: str) -> Environment:
    env = await repo.get_owned(services.store, Environment, environment_id.lower(), owner)
    if env is None:
        raise errors.ErrEnvironmentNotFound(f"environment {environment_id}")
    assert isinstance(env, Environment)
    return env


async def create(services: Services, owner: str, body: dict[str, Any]) -> Environment:
    now = repo.now()
    env = Environment(
        id=str(uuid.uuid4()),
        name=str(body["name"]),
        description=str(body.get("description") or ""),
        organization_id=org_of(body, LOCAL_ORG_ID),
        owner=owner,
        meta=body.get("metadata") if isinstance(body.get("metadata"), dict) else {},
        created_at=now,
        updated_at=now,
    )
    await repo.save(services.store, env)
    await notify.raise_event(
        services,
        category="environment",
        action="create",
        severity="informational",
        description=f"Environment {env.name} created",
        acted_upon=env.id,
        user_id=owner,
        metadata={"name": env.name},
    )
    return env


async def update(services: Services, owner: str, environment_id: str, body: dict[str, Any]) -> Environment:
    env = await get(services, owner, environment_id)
    apply_update(env, body)
    await repo.save(services.store, env)
    await notify.raise_event(
        services,
        category="environment",
        action="update",
        severity="informational",
        description=f"Environment {env.name} updated",
        acted_upon=env.id,
        user_id=owner,
    )
    return env


async def delete(services: Services, owner: str, environment_id: str) -> Environment:
    env = await get(services, owner, environment_id)
    conns, spaces = await repo.delete_environment(services.store, env.id)
    await notify.raise_event(
        services,
        category="environment",
        action="delete",
        severity="informational",
        description=f"Environment {env.name} deleted",
        acted_upon=env.id,
        user_id=owner,
        metadata={"detached_connections": conns, "detached_workspaces": spaces},
    )
    return env


async def attach(services: Services, owner: str, environment_id: str, connection_id: str) -> EnvironmentConnection:
    env = await get(services, owner, environment_id)
    conn = await connections.get(services, connection_id)
    link = await repo.attach(
        services.store,
        EnvironmentConnection(
            environment_id=env.id, connection_id=conn.id, id=str(uuid.uuid4()), created_at=repo.now()
        ),
    )
    await notify.raise_event(
        services,
        category="environment",
        action="add_connection",
        severity="informational",
        description=f"Connection {conn.name} attached to environment {env.name}",
        acted_upon=env.id,
        user_id=owner,
        metadata={"connection_id": conn.id},
    )
    return link


async def detach(services: Services, owner: str, environment_id: str, connection_id: str) -> EnvironmentConnection:
    env = await get(services, owner, environment_id)
    link = await repo.detach(services.store, env.id, connection_id)
    if link is None:
        raise errors.ErrAssignmentNotFound(f"connection {connection_id} is not attached to environment {env.id}")
    await notify.raise_event(
        services,
        category="environment",
        action="remove_connection",
        severity="informational",
        description=f"Connection detached from environment {env.name}",
        acted_upon=env.id,
        user_id=owner,
        metadata={"connection_id": connection_id},
    )
    return link


async def connections_page(
    services: Services,
    owner: str,
    environment_id: str,
    *,
    page: int,
    page_size: int,
    search: str | None,
    order: str | None,
) -> dict[str, Any]:
    env = await get(services, owner, environment_id)
    rows, total, summary = await repo.environment_connections(
        services.store, env.id, page=page, page_size=page_size, search=search, order=order
    )
    return {
        "page": page,
        "page_size": page_size,
        "total_count": total,
        "connections": await connections.views(services, rows),
        "status_summary": summary,
    }
