"""API area "workspaces": workspaces and their environments, designs, views and teams."""

from __future__ import annotations

from typing import Any

from generated.handler_types import Paging
from meshery import context, environments, http
from meshery import workspaces as service
from meshery.workspaces import ListQuery


def _query(paging: Paging, org_id: str | None = None) -> ListQuery:
    return ListQuery(
        owner=context.require_user().user_id,
        page=paging.page,
        page_size=paging.page_size(10),
        search=paging.search,
        order=paging.order,
        organization_id=org_id.lower() if org_id else None,
    )


async def get_workspaces(
    *,
    paging: Paging,
    org_id: str | None = None,
) -> http.Answer:
    q = _query(paging, org_id)
    return http.json(await service.list_page(context.current().services, q))


async def save_workspace(body: dict[str, Any]) -> http.Answer:
    ws = await service.create(context.current().services, context.require_user().user_id, body)
    return http.json(environments.view(ws), 201)


async def get_workspace_by_id(id_: str) -> http.Answer:
    return http.json(
        environments.view(await service.get(context.current().services, context.require_user().user_id, id_))
    )


async def update_workspace(id_: str, body: dict[str, Any]) -> http.Answer:
    return http.json(
        environments.view(await service.update(context.current().services, context.require_user().user_id, id_, body))
    )


async def delete_workspace(id_: str) -> http.Answer:
    return http.json(
        environments.view(await service.delete(context.current().services, context.require_user().user_id, id_))
    )


async def _assign(id_: str, kind: str, member_id: str) -> http.Answer:
    member = await service.assign(context.current().services, context.require_user().user_id, id_, kind, member_id)
    return http.json(service.member_view(member), 201)


async def _unassign(id_: str, kind: str, member_id: str) -> http.Answer:
    member = await service.unassign(context.current().services, context.require_user().user_id, id_, kind, member_id)
    return http.json(service.member_view(member))


async def get_environments_of_workspace(
    id_: str,
    *,
    paging: Paging,
) -> http.Answer:
    q = _query(paging)
    return http.json(await service.environments_page(context.current().services, q.owner, id_, q))


async def add_environment_to_workspace(id_: str, environment_id: str) -> http.Answer:
    return await _assign(id_, "environment", environment_id)


async def remove_environment_from_workspace(id_: str, environment_id: str) -> http.Answer:
    return await _unassign(id_, "environment", environment_id)


async def get_designs_of_workspace(
    id_: str,
    *,
    paging: Paging,
) -> http.Answer:
    q = _query(paging)
    return http.json(await service.designs_page(context.current().services, q.owner, id_, q))


async def add_design_to_workspace(id_: str, design_id: str) -> http.Answer:
    return await _assign(id_, "design", design_id)


async def remove_design_from_workspace(id_: str, design_id: str) -> http.Answer:
    return await _unassign(id_, "design", design_id)


async def get_views_of_workspace(
    id_: str,
    *,
    paging: Paging,
) -> http.Answer:
    q = _query(paging)
    return http.json(await service.members_page(context.current().services, q.owner, id_, "view", q))


async def add_view_to_workspace(id_: str, view_id: str) -> http.Answer:
    return await _assign(id_, "view", view_id)


async def remove_view_from_workspace(id_: str, view_id: str) -> http.Answer:
    return await _unassign(id_, "view", view_id)


async def get_teams_of_workspace(
    id_: str,
    *,
    paging: Paging,
) -> http.Answer:
    q = _query(paging)
    return http.json(await service.members_page(context.current().services, q.owner, id_, "team", q))


async def add_team_to_workspace(id_: str, team_id: str) -> http.Answer:
    return await _assign(id_, "team", team_id)


async def remove_team_from_workspace(id_: str, team_id: str) -> http.Answer:
    return await _unassign(id_, "team", team_id)
