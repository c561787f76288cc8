"""API area "credentials": the caller's credentials, secrets masked in every answer."""

from __future__ import annotations

from typing import Any

from generated import errors
from generated.handler_types import Paging
from meshery import context, http
from meshery import credentials as service


async def get_user_credentials(*, paging: Paging) -> http.Answer:
    services = context.current().services
    return http.json(
        await service.list_page(
            services,
            context.require_user().user_id,
            page=paging.page,
            page_size=paging.page_size(10),
            search=paging.search,
            order=paging.order,
        )
    )


async def save_user_credential(body: dict[str, Any]) -> http.Answer:
    services = context.current().services
    return http.json(service.view(services, await service.create(services, context.require_user().user_id, body)), 201)


async def update_user_credential(body: dict[str, Any]) -> http.Answer:
    services = context.current().services
    return http.json(service.view(services, await service.update(services, context.require_user().user_id, body)))


async def delete_user_credential(credential_id: str | None = None) -> http.Answer:
    if credential_id is None:
        raise errors.ErrRequestValidation("query parameter credential_id (or credentialId) is required")
    services = context.current().services
    return http.json(
        service.view(services, await service.delete(services, context.require_user().user_id, credential_id))
    )


async def get_user_credential_by_id(credential_id: str) -> http.Answer:
    services = context.current().services
    return http.json(service.view(services, await service.get(services, context.require_user().user_id, credential_id)))
