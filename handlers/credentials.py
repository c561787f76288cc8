"""API area "credentials": the caller's credentials, secrets masked in every answer."""

from __future__ import annotations

from typing import Any

from generated import errors
from generated.handler_types import Paging
from meshery import context, http
from meshery import credentials as service


def _owner() -> str:
    user = context.current().user
    if user is None:
        raise errors.ErrUnauthenticated("no user in this session")
    return user.user_id


async def get_user_credentials(*, paging: Paging) -> http.Answer:
    services = context.current().services
    return http.json(
        await service.list_page(
            services,
            _owner(),
            page=paging.page,
            page_size=paging.page_size(10),
            search=paging.search,
            order=paging.order,
        )
    )


async def save_user_credential(body: dict[str, Any]) -> http.Answer:
    services = context.current().services
    return http.json(service.to_json(services, await service.create(services, _owner(), body)), 201)


async def update_user_credential(body: dict[str, Any]) -> http.Answer:
    services = context.current().services
    return http.json(service.to_json(services, await service.update(services, _owner(), body)))


async def delete_user_credential(credential_id: str) -> http.Answer:
    services = context.current().services
    return http.json(service.to_json(services, await service.delete(services, _owner(), credential_id)))


async def get_user_credential_by_id(credential_id: str) -> http.Answer:
    services = context.current().services
    return http.json(service.to_json(services, await service.get(services, _owner(), credential_id)))
