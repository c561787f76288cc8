"""API area "filters": WASM filters over REST (save, list, read, clone, download, delete, deploy).

Their GraphQL page (the filters half of ``subscribeConfiguration``) is resolved with the designs
(``handlers.designs``) from ``meshery.filters.pages``.
"""

from __future__ import annotations

from typing import Any

from generated import errors
from generated.handler_types import Paging
from meshery import context, http
from meshery.errors import spec_methods
from meshery.filters import deploy, intake, pages, service, wasm, wire


async def _page(
    *, page: int, page_size: int, search: str | None, order: str | None, visibility: str | None
) -> dict[str, Any]:
    ctx = context.current()
    return await pages.page(
        ctx.services,
        ctx.user,
        page=page,
        page_size=page_size,
        search=search,
        order=order,
        visibilities=pages.visibilities(visibility),
    )


async def save_filter(body: Any = None, file: Any = None) -> http.Answer:
    ctx = context.current()
    form = body if isinstance(body, dict) else {}
    if file is not None:
        draft, save = await intake.draft_of_upload(ctx.services, form, file)
    else:
        draft, save = await intake.draft_of(ctx.services, form)
    if not save:
        service.prepare(ctx.services, draft)
        row = service.build_row(draft, None, service.viewer_of(ctx.user))
        return http.json([wire.record(row)])
    return http.json([wire.record(await service.save(ctx.services, ctx.user, draft))])


async def get_filters(*, paging: Paging, visibility: str | None = None) -> http.Answer:
    return http.json(
        await _page(
            page=paging.page,
            page_size=paging.page_size(10),
            search=paging.search,
            order=paging.order,
            visibility=visibility,
        )
    )


def _method_of_template(method: str, segment: str) -> None:
    """405 when ``/api/filter/<segment>`` is a literal route (deploy, catalog) without this method.

    Those routes share the ``/api/filter/{id}`` template's shape, so the router may hand their
    other methods to the template's operations.
    """
    allowed = spec_methods(f"/api/filter/{segment}")
    if method not in allowed:
        allow = ", ".join(allowed)
        raise errors.ErrMethodNotAllowed(f"allowed: {allow}", headers={"Allow": allow})


async def get_filter(id_: str) -> http.Answer:
    _method_of_template("GET", id_)
    ctx = context.current()
    row = await service.get_record(ctx.services, ctx.user, id_)
    return http.json(wire.record(row, module=await service.module_of(ctx.services, row)))


async def delete_filter(id_: str) -> http.Answer:
    _method_of_template("DELETE", id_)
    ctx = context.current()
    return http.json(wire.record(await service.delete_one(ctx.services, ctx.user, id_)))


async def clone_filter(id_: str, body: dict[str, Any] | None = None) -> http.Answer:
    ctx = context.current()
    name = (body or {}).get("name")
    return http.json(wire.record(await service.clone(ctx.services, ctx.user, id_, name=name)))


def _filename(name: str) -> str:
    # Header values are latin-1: anything but ASCII letters, digits and a few marks becomes "_".
    safe = "".join(c if (c.isascii() and c.isalnum()) or c in "-_. " else "_" for c in name).strip() or "filter"
    safe = safe[:100]
    return safe if safe.lower().endswith(".wasm") else f"{safe}.wasm"


async def download_filter(id_: str) -> http.Raw:
    ctx = context.current()
    row = await service.get_record(ctx.services, ctx.user, id_)
    module = await service.module_of(ctx.services, row)
    if module is None:
        raise errors.ErrFilterNoModule(f"filter {row.id} was saved without a module")
    await service.count_download(ctx.services, ctx.user, row)
    disposition = f'attachment; filename="{_filename(row.name)}"'
    return http.raw(module, media_type=wasm.MEDIA_TYPE, headers={"Content-Disposition": disposition})


async def _deploy(body: Any, contexts: list[str] | None, *, undeploy: bool, dry_run: bool) -> http.Answer:
    ctx = context.current()
    result, status = await deploy.execute(
        ctx.services, ctx.user, body, contexts=list(contexts or []), undeploy=undeploy, dry_run=dry_run
    )
    return http.json(result, status)


async def deploy_filter(body: Any = None, contexts: list[str] | None = None, dry_run: bool = False) -> http.Answer:
    return await _deploy(body, contexts, undeploy=False, dry_run=dry_run)


async def undeploy_filter(body: Any = None, contexts: list[str] | None = None, dry_run: bool = False) -> http.Answer:
    return await _deploy(body, contexts, undeploy=True, dry_run=dry_run)
