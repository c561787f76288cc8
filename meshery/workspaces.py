"""Workspaces: the caller's groups of environments, designs, views and teams (upstream ``workspaces``).

Each workspace belongs to its creator; another user's workspace is "not found". Environments
must be the caller's and designs must exist (``meshery.designs.service.design_ids_exist``) to be
assigned; views and teams are not entities of this server, so their ids are stored as given, as
upstream's local mapping tables do. Deleting a workspace removes its assignments only.
"""

from __future__ import annotations

import uuid
from typing import Any

from generated import errors
from meshery import environments, notify
from meshery.context import Services
from meshery.designs.service import design_ids_exist
from meshery.environments import LOCAL_ORG_ID, null_time, org_of
from meshery.store import workspaces as repo
from meshery.store.workspaces import ListQuery, Workspace, WorkspaceMember

__all__ = ["ListQuery"]

KINDS = ("environment", "design", "view", "team")


def member_view(member: WorkspaceMember) -> dict[str, Any]:
    """An assignment by Python name; the assigned object's id is ``<kind>_id``."""
    return {
        "id": member.id,
        "workspace_id": member.workspace_id,
        f"{member.kind}_id": member.member_id,
        "created_at": member.created_at,
        "updated_at": member.created_at,
        "deleted_at": null_time(),
    }


async def list_page(services: Services, q: ListQuery) -> dict[str, Any]:
    rows, total = await repo.list_owned(services.store, Workspace, q)
    items = [environments.view(r) for r in rows]
    return {"page": q.page, "page_size": q.page_size, "total_count": total, "workspaces": items}


async def get(services: Services, owner: str, workspace_id: str) -> Workspace:
    ws = await repo.get_owned(services.store, Workspace, workspace_id.lower(), owner)
    if ws is None:
        raise errors.ErrWorkspaceNotFound(f"workspace {workspace_id}")
    assert isinstance(ws, Workspace)
    return ws


async def _event(
    services: Services,
    owner: str,
    ws: Workspace,
    action: str,
    description: str,
    *,
    metadata: dict[str, Any] | None = None,
) -> None:
    await notify.raise_event(
        services,
        category="workspace",
        action=action,
        severity="informational",
        description=description,
        acted_upon=ws.id,
        user_id=owner,
        metadata=metadata,
    )


async def create(services: Services, owner: str, body: dict[str, Any]) -> Workspace:
    stamp = repo.now()
    ws = Workspace(
        id=str(uuid.uuid4()),
        name=str(body["name"]),
        description=str(body.get("description") or ""),
        organization_id=org_of(body, LOCAL_ORG_ID),
        owner=owner,
        meta=body.get("metadata") if isinstance(body.get("metadata"), dict) else {},
        created_at=stamp,
        updated_at=stamp,
    )
    await repo.save(services.store, ws)
    await _event(services, owner, ws, "create", f"Workspace {ws.name} created")
    return ws


async def update(services: Services, owner: str, workspace_id: str, body: dict[str, Any]) -> Workspace:
    ws = await get(services, owner, workspace_id)
    environments.apply_update(ws, body)
    await repo.save(services.store, ws)
    await _event(services, owner, ws, "update", f"Workspace {ws.name} updated")
    return ws


async def delete(services: Services, owner: str, workspace_id: str) -> Workspace:
    ws = await get(services, owner, workspace_id)
    await repo.delete_workspace(services.store, ws.id)
    await _event(services, owner, ws, "delete", f"Workspace {ws.name} deleted")
    return ws


async def _check_member(services: Services, owner: str, kind: str, member_id: str) -> str:
    """The canonical id of an object that may be assigned (404 when it does not exist)."""
    member_id = member_id.lower()
    if kind == "environment":
        return (await environments.get(services, owner, member_id)).id
    if kind == "design" and member_id not in await design_ids_exist(services, [member_id]):
        raise errors.ErrWorkspaceDesignNotFound(f"design {member_id}")
    return member_id


async def assign(services: Services, owner: str, workspace_id: str, kind: str, member_id: str) -> WorkspaceMember:
    ws = await get(services, owner, workspace_id)
    member_id = await _check_member(services, owner, kind, member_id)
    member = await repo.add_member(
        services.store,
        WorkspaceMember(
            workspace_id=ws.id, kind=kind, member_id=member_id, id=str(uuid.uuid4()), created_at=repo.now()
        ),
    )
    await _event(
        services,
        owner,
        ws,
        f"add_{kind}",
        f"{kind.capitalize()} {member_id} assigned to workspace {ws.name}",
        metadata={f"{kind}_id": member_id},
    )
    return member


async def unassign(services: Services, owner: str, workspace_id: str, kind: str, member_id: str) -> WorkspaceMember:
    ws = await get(services, owner, workspace_id)
    member = await repo.remove_member(services.store, ws.id, kind, member_id.lower())
    if member is None:
        raise errors.ErrAssignmentNotFound(f"{kind} {member_id} is not assigned to workspace {ws.id}")
    await _event(
        services,
        owner,
        ws,
        f"remove_{kind}",
        f"{kind.capitalize()} {member_id} removed from workspace {ws.name}",
        metadata={f"{kind}_id": member_id},
    )
    return member


async def environments_page(services: Services, owner: str, workspace_id: str, q: ListQuery) -> environments.Page:
    ws = await get(services, owner, workspace_id)
    rows, total = await repo.workspace_environments(services.store, ws.id, q)
    return environments.Page(q.page, q.page_size, total, [environments.view(r) for r in rows])


async def designs_page(services: Services, owner: str, workspace_id: str, q: ListQuery) -> dict[str, Any]:
    ws = await get(services, owner, workspace_id)
    rows, total = await repo.workspace_designs(services.store, ws.id, q)
    designs = [
        {
            "id": r.id,
            "name": r.name,
            "user_id": r.user_id,
            "visibility": r.visibility,
            "created_at": r.created_at,
            "updated_at": r.updated_at,
        }
        for r in rows
    ]
    return {"page": q.page, "page_size": q.page_size, "total_count": total, "designs": designs}


async def members_page(services: Services, owner: str, workspace_id: str, kind: str, q: ListQuery) -> dict[str, Any]:
    """Views or teams of a workspace: the stored assignments in upstream's page shape."""
    ws = await get(services, owner, workspace_id)
    rows, total = await repo.list_members(services.store, ws.id, kind, page=q.page, page_size=q.page_size)
    return {"page": q.page, "page_size": q.page_size, "total_count": total, f"{kind}s": [member_view(m) for m in rows]}
