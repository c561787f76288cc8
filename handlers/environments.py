"""API area "environments": environments and the connections attached to them."""

from __future__ import annotations

from typing import Any

from generated.handler_types import Paging
from meshery import context, http
from meshery import environments as service
from meshery.workspaces import ListQuery


async def get_environments(*, paging: Paging, org_id: str | None = None) -> http.Answer:
    q = ListQuery(
        owner=context.require_user().user_id,
        page=paging.page,
        page_size=paging.page_size(10),
        search=paging.search,
        order=paging.order,
        organization_id=org_id.lower() if org_id else None,
    )
    return http.json(await service.list_page(context.current().services, q))


async def save_environment(body: dict[str, Any]) -> http.Answer:
    env = await service.create(context.current().services, context.require_user().user_id, body)
    return http.json(service.view(env), 201)


async def get_environment_by_id(id_: str) -> http.Answer:
    return http.json(service.view(await service.get(context.current().services, context.require_user().user_id, id_)))


async def update_environment(id_: str, body: dict[str, Any]) -> http.Answer:
    return http.json(
        service.view(await service.update(context.current().services, context.require_user().user_id, id_, body))
    )


async def delete_environment(id_: str) -> http.Answer:
    return http.json(
        service.view(await service.delete(context.current().services, context.require_user().user_id, id_))
    )


async def get_connections_of_environment(environment_id: str, *, paging: Paging) -> http.Answer:
    answer = await service.connections_page(
        context.current().services,
        context.require_user().user_id,
        environment_id,
        page=paging.page,
        page_size=paging.page_size(10),
        search=paging.search,
        order=paging.order,
    )
    return http.json(answer)


async def add_connection_to_environment(environment_id: str, connection_id: str) -> http.Answer:
    link = await service.attach(
        context.current().services, context.require_user().user_id, environment_id, connection_id
    )
    return http.json(service.link_view(link), 201)


async def remove_connection_from_environment(environment_id: str, connection_id: str) -> http.Answer:
    link = await service.detach(
        context.current().services, context.require_user().user_id, environment_id, connection_id
    )
    return http.json(service.link_view(link))
