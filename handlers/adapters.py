"""API area "adapters": list and ping adapters, each user's adapter list, operations, deployment."""

from __future__ import annotations

from typing import Any

from generated import errors, models
from meshery import context, http
from meshery.adapters import service


async def get_system_adapters(adapter: str | None = None) -> http.Answer:
    services = context.current().services
    if adapter is not None:
        await service.ping(services, context.require_user().user_id, adapter, context.current())
        return http.json({})
    return _adapters(service.list_adapters(services))


def _adapters(items: list[dict[str, Any]]) -> http.Answer:
    validated = [models.SystemAdapter.model_validate(a) for a in items]
    return http.json([a.model_dump(mode="json", by_alias=True, exclude_none=True) for a in validated])


async def post_adapter_config(body: dict[str, Any]) -> http.Answer:
    location = models.AdapterLocationForm.model_validate(body).mesh_location_url.root
    ctx = context.current()
    listed = await service.add_adapter(ctx.services, context.require_user().user_id, location)
    await service.mirror_to_preferences(ctx, listed)
    return _adapters(listed)


async def delete_adapter_config(adapter: str) -> http.Answer:
    ctx = context.current()
    listed = await service.remove_adapter(ctx.services, context.require_user().user_id, adapter)
    await service.mirror_to_preferences(ctx, listed)
    return _adapters(listed)


async def post_adapter_operation(body: dict[str, Any], contexts: list[str] | None = None) -> http.Answer:
    form = models.AdapterOperationForm.model_validate(body)
    accepted = await service.run_operation(
        context.current().services,
        context.require_user().user_id,
        adapter=form.adapter.root,
        query=form.query,
        custom_body=form.custom_body or "",
        namespace=form.namespace or "",
        delete_op=bool(form.delete_op),
        version=form.version or "",
        contexts=list(contexts or []),
        ctx=context.current(),
    )
    return http.json(models.AdapterOperationAccepted.model_validate(accepted))


async def get_available_adapters() -> http.Answer:
    return http.json(service.available())


async def resolve_change_adapter_status(input: dict[str, Any] | None = None) -> str:
    if not input:
        raise errors.ErrAdapterStatusInput("changeAdapterStatus needs its input")
    ctx = context.current()
    return await service.change_status(
        ctx.services,
        ctx.user.user_id if ctx.user else None,
        target=str(input.get("targetStatus", "")),
        adapter=str(input.get("adapter", "")).strip(),
        port=str(input.get("targetPort", "")).strip(),
    )
