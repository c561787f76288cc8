"""API area "events": list, raise, mark, delete and configure events; live streams (SSE, GraphQL)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from generated import errors, models
from generated.handler_types import Paging
from meshery import context, http
from meshery.events import service, sse
from meshery.events.settings import EventsConfig
from meshery.events.stream import StreamClosed

_Model = TypeVar("_Model", bound=BaseModel)
# The wire names of EventInput (what a client may set on an event it raises).
_EVENT_INPUT = frozenset(
    {"category", "action", "severity", "description", "actedUpon", "operationId", "status", "metadata"}
)


def _body(model: type[_Model], body: Any) -> _Model:
    """The body as `model`; formats Connexion does not check (uuid) are checked here."""
    try:
        return model.model_validate(body)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "body"
        raise errors.ErrRequestValidation(f"body {where}: {first['msg']}") from None


async def get_events(
    *,
    category: str | None = None,
    action: str | None = None,
    severity: str | None = None,
    acted_upon: str | None = None,
    status: str | None = None,
    paging: Paging,
) -> http.Answer:
    params = service.ListParams(
        category=category,
        action=action,
        severity=severity,
        acted_upon=acted_upon,
        status=status,
        search=paging.search,
        page=paging.page,
        pagesize=paging.size_text,
        order=paging.order,
        sort=paging.sort,
    )
    return http.json(await service.list_events(context.current().services, context.require_user().user_id, params))


async def post_event(body: dict[str, Any]) -> http.Answer:
    event_input = _body(models.EventInput, body)
    event = await service.post_event(
        context.current().services,
        context.require_user().user_id,
        event_input.model_dump(mode="json", by_alias=True, exclude_none=True),
    )
    return http.json(event, status=201)


async def subscribe_events_stream() -> sse.EventStream:
    listener = await service.open_stream(context.current().services, context.require_user().user_id, "sse")
    return sse.EventStream(listener)


async def get_event_types() -> http.Answer:
    return http.json(await service.event_types(context.current().services, context.require_user().user_id))


async def bulk_update_event_status(body: dict[str, Any]) -> http.Answer:
    request = _body(models.EventBulkStatus, body)
    return http.json(
        await service.set_status(context.current().services, [str(i) for i in request.ids], request.status.root)
    )


async def update_event_status(id_: str, body: dict[str, Any]) -> http.Answer:
    request = _body(models.EventStatusUpdate, body)
    return http.json(await service.set_one_status(context.current().services, id_, request.status.root))


async def bulk_delete_events(body: dict[str, Any]) -> http.Answer:
    request = _body(models.EventIds, body)
    await service.delete_events(context.current().services, [str(i) for i in request.ids])
    return None, 204, {}


async def delete_event(id_: str) -> http.Answer:
    await service.delete_event(context.current().services, id_)
    return None, 204, {}


# --- the `@meshery/schemas` paths (/events...) -------------------------------------------


async def create_event(body: dict[str, Any]) -> http.Answer:
    # the package's extra fields (`userId`: the event is the caller's) are left out
    fields = {k: v for k, v in body.items() if k in _EVENT_INPUT}
    # The package's body may leave out category and action: they are stored empty (the zero value
    # of upstream's event); the other fields are checked as EventInput checks them.
    absent = {k: "" for k in ("category", "action") if not fields.get(k)}
    event_input = _body(models.EventInput, {**fields, **{k: "-" for k in absent}})
    event = await service.post_event(
        context.current().services,
        context.require_user().user_id,
        {**event_input.model_dump(mode="json", by_alias=True, exclude_none=True), **absent},
    )
    return http.json(event, status=201)


async def delete_events_by_ids(body: dict[str, Any]) -> http.Answer:
    request = _body(models.EventIds, body)
    deleted = await service.delete_events(context.current().services, [str(i) for i in request.ids])
    return http.json({"deleted": deleted})


async def update_events_status_by_ids(body: dict[str, Any]) -> http.Answer:
    request = _body(models.EventBulkStatus, body)
    updated = await service.set_status(context.current().services, [str(i) for i in request.ids], request.status.root)
    return http.json({"updated": [e["id"] for e in updated]})


async def delete_event_by_id(event_id: str) -> http.Answer:
    service.check_event_path(f"/events/{event_id}", "DELETE")
    return await delete_event(event_id)


async def update_event_status_by_id(event_id: str, body: dict[str, Any]) -> http.Answer:
    service.check_event_path(f"/events/{event_id}/status", "PUT")
    request = _body(models.EventStatusUpdate, body)
    await service.set_one_status(context.current().services, event_id, request.status.root)
    return http.json(
        {"message": f"event marked {request.status.root}", "eventId": event_id, "status": request.status.root}
    )


async def get_events_config() -> http.Answer:
    config = await service.get_config(context.current().services)
    return http.json(models.EventsConfig(debug_mode=config.debug_mode))


async def update_events_config(body: dict[str, Any]) -> http.Answer:
    request = _body(models.EventsConfig, body)
    config = await service.put_config(context.current().services, EventsConfig(debug_mode=request.debug_mode))
    return http.json(models.EventsConfig(debug_mode=config.debug_mode))


async def subscribe_events() -> AsyncIterator[dict[str, Any]]:
    listener = await service.open_stream(context.current().services, context.require_user().user_id, "graphql")
    try:
        while True:
            try:
                frame = await listener.next()
            except StreamClosed as closed:
                if listener.overflowed:
                    raise errors.ErrEventStreamOverflow(str(closed)) from None
                return
            assert frame is not None
            yield frame.graphql
    finally:
        listener.close()
