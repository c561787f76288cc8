"""API area "credentials": the caller's credentials, secrets masked in every answer."""

from __future__ import annotations

from typing import Any

from generated import errors
from meshery import context, http
from meshery import credentials as service


def _owner() -> str:
    user = context.current().user
    if user is None:
        raise errors.ErrUnauthenticated("no user in this session")
    return user.user_id


async def get_user_credentials(
    *,
    page: int = 0,
    pagesize: int = 10,
    page_size: int | None = None,
    search: str | None = None,
    order: str | None = None,
) -> http.Answer:
    services = context.current().services
    return http.json(
        await service.list_page(
            services, _owner(), page=page, page_size=page_size or pagesize, search=search, order=order
        )
    )


async def save_user_credential(body: dict[str, Any]) -> http.Answer:
    services = context.current().services
    return http.json(service.view(services, await service.create(services, _owner(), body)), 201)


async def update_user_credential(body: dict[str, Any]) -> http.Answer:
    services = context.current().services
    return http.json(service.view(services, await service.update(services, _owner(), body)))


async def delete_user_credential(credential_id: str) -> http.Answer:
    services = context.current().services
    return http.json(service.view(services, await service.delete(services, _owner(), credential_id)))


async def get_user_credential_by_id(credential_id: str) -> http.Answer:
    services = context.current().services
    return http.json(service.view(services, await service.get(services, _owner(), credential_id)))
