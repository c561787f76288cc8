"""API area "connections": list, get, update (status transitions) and delete connections."""

from __future__ import annotations

import json
from typing import Any

from generated import errors
from generated.handler_types import Paging
from meshery import connection_actions, context, contexts, http, registration
from meshery import connections as service
from meshery.connections import ConnectionFilter


def _filter_values(doc: dict[str, Any], key: str) -> list[str]:
    value = doc.get(key)
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str)]
    return []  # other types cannot name anything; ignored like unknown keys


async def get_connections(
    *,
    paging: Paging,
    filter_: str | None = None,
    kind: list[str] | None = None,
    status: list[str] | None = None,
    type_: list[str] | None = None,
    name: list[str] | None = None,
) -> http.Answer:
    doc: dict[str, Any] = {}
    search = paging.search
    if filter_:
        # Upstream's UI sends a JSON object; anything else is taken as a name to search for.
        try:
            parsed = json.loads(filter_)
        except ValueError:
            parsed = None
        if isinstance(parsed, dict):
            doc = parsed
        elif not search:
            search = filter_
    flt = ConnectionFilter(
        kinds=[*(kind or []), *_filter_values(doc, "kind")],
        statuses=[*(status or []), *_filter_values(doc, "status")],
        types=[*(type_ or []), *_filter_values(doc, "type")],
        names=[*(name or []), *_filter_values(doc, "name")],
        search=search,
    )
    result = await service.list_page(
        context.current().services, flt, page=paging.page, page_size=paging.page_size(10), order=paging.order
    )
    return http.json(
        {
            "page": result.page,
            "page_size": result.page_size,
            "total_count": result.total_count,
            "connections": result.connections,
            "status_summary": result.status_summary,
        }
    )


async def get_connection_by_id(connection_id: str) -> http.Answer:
    services = context.current().services
    return http.json(await service.answer(services, await service.get(services, connection_id)))


async def update_connection_by_id(connection_id: str, body: dict[str, Any]) -> http.Answer:
    services = context.current().services
    return http.json(await service.answer(services, await service.update(services, connection_id, body)))


async def delete_connection(connection_id: str) -> http.Answer:
    return http.json(service.view(await service.delete(context.current().services, connection_id)))


async def save_connection(body: dict[str, Any]) -> http.Answer:
    services = context.current().services
    return http.json(
        await service.answer(services, await service.create(services, context.require_user().user_id, body)), 201
    )


async def process_connection_registration(body: dict[str, Any]) -> http.Answer:
    return http.json(await registration.step(context.current().services, context.require_user().user_id, body))


async def cancel_connection_registration(id_: str) -> http.Answer:
    return http.json(await registration.cancel(context.current().services, context.require_user().user_id, id_))


async def get_connection_controllers_config(connection_id: str) -> http.Answer:
    services = context.current().services
    return http.json(service.controllers_config(services, await service.get(services, connection_id)))


async def update_connection_controllers_config(connection_id: str, body: dict[str, Any]) -> http.Answer:
    return http.json(await service.update_controllers_config(context.current().services, connection_id, body))


# --- counts, bulk status changes, the connection wizard, per-kind routes -----------------------


async def get_connections_status() -> http.Answer:
    return http.json({"connections_status": await connection_actions.status_counts(context.current().services)})


async def update_connections_status(connection_kind: str, body: dict[str, Any]) -> http.Answer:
    owner = context.require_user().user_id
    result = await connection_actions.change_statuses(context.current().services, owner, connection_kind, body)
    return http.json(result, 202)


async def verify_connection_url(connection_kind: str, id_: str) -> http.Answer:
    owner = context.require_user().user_id
    details = await connection_actions.url_details(context.current().services, owner, connection_kind, id_)
    details.pop("connection", None)
    return http.json(details)


async def get_connection_details(connection_kind: str, id_: str) -> http.Answer:
    owner = context.require_user().user_id
    return http.json(await connection_actions.url_details(context.current().services, owner, connection_kind, id_))


async def connection_metadata(connection_kind: str, body: dict[str, Any]) -> http.Answer:
    owner = context.require_user().user_id
    return http.json(await connection_actions.store_metadata(context.current().services, owner, connection_kind, body))


async def get_connection_status_by_url(connection_kind: str, id_: str) -> http.Answer:
    services = context.current().services
    conn = await connection_actions.by_url(services, context.require_user().user_id, connection_kind, id_)
    return http.json(await service.answer(services, conn))


async def configure_connection(connection_kind: str, body: dict[str, Any]) -> http.Answer:
    services = context.current().services
    conn = await connection_actions.configure(services, context.require_user().user_id, connection_kind, body)
    return http.json(await service.answer(services, conn), 201)


async def get_kubernetes_connection_context(connection_id: str) -> http.Answer:
    services = context.current().services
    conn = await service.get(services, connection_id)  # another user's: not found (the store's scope)
    if conn.kind != "kubernetes":
        raise errors.ErrConnectionKindMismatch(f"connection {connection_id} is of kind {conn.kind}, not kubernetes")
    return http.json(contexts.context_view(conn))


async def delete_meshery_connection(meshery_server_id: str) -> http.Answer:
    owner = context.require_user().user_id
    await connection_actions.delete_meshery(context.current().services, owner, meshery_server_id)
    return None, 204, {}
