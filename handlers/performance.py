"""API area "performance": profiles, load tests (SSE), results, schedules, SMP test configs; GraphQL reads, streams."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncGenerator
from contextlib import aclosing
from datetime import UTC, datetime
from typing import Any

from pydantic import TypeAdapter, ValidationError

from generated import errors
from generated.handler_types import Paging
from meshery import context, http
from meshery.perf import plans, profiles, runs, schedules, smp_configs, wire
from meshery.providers.base import BaseProvider

_DATETIME = TypeAdapter(datetime)
_EMPTY_SMI = {"page": 0, "page_size": 0, "total_count": 0, "results": []}


def _query(paging: Paging, default_order: str | None = None) -> profiles.PageQuery:
    return profiles.PageQuery(
        page=paging.page, page_size=paging.page_size(10), search=paging.search, order=paging.order or default_order
    )


def _time(value: str | None, what: str) -> datetime | None:
    if value is None or not value.strip():
        return None
    try:
        parsed = _DATETIME.validate_python(value.strip())
    except ValidationError:
        raise errors.ErrPerfTestInvalid(f"{what} {value[:64]!r} is not an RFC 3339 time") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _user_id() -> str:
    return context.require_user().user_id


# --- profiles ----------------------------------------------------------------------------------


async def get_performance_profiles(*, paging: Paging) -> http.Answer:
    return http.json(await profiles.list_profiles(context.current().services, _query(paging)))


async def get_user_performance_profiles(*, paging: Paging) -> http.Answer:
    return await get_performance_profiles(paging=paging)


async def upsert_performance_profile(body: dict[str, Any]) -> http.Answer:
    services = context.current().services
    return http.json(await profiles.save_profile(services, _user_id(), body, now=datetime.now(UTC)))


async def save_user_performance_profile(body: dict[str, Any]) -> http.Answer:
    return await upsert_performance_profile(body)


async def update_performance_profile(performance_profile_id: str, body: dict[str, Any]) -> http.Answer:
    services = context.current().services
    saved = await profiles.save_profile(
        services, _user_id(), body, profile_id=performance_profile_id, now=datetime.now(UTC)
    )
    return http.json(saved)


async def get_performance_profile(performance_profile_id: str) -> http.Answer:
    services = context.current().services
    return http.json(
        await profiles.profile_wire(services, await profiles.get_profile(services, performance_profile_id))
    )


async def get_user_performance_profile(id_: str) -> http.Answer:
    return await get_performance_profile(id_)


async def delete_performance_profile(performance_profile_id: str) -> http.Answer:
    return http.json(await profiles.delete_profile(context.current().services, _user_id(), performance_profile_id))


async def delete_user_performance_profile(id_: str) -> http.Answer:
    return await delete_performance_profile(id_)


# --- results -----------------------------------------------------------------------------------


async def get_performance_profile_results(performance_profile_id: str, *, paging: Paging) -> http.Answer:
    services = context.current().services
    await profiles.get_profile(services, performance_profile_id)
    return http.json(await profiles.list_results(services, _query(paging), profile_id=performance_profile_id))


async def get_user_performance_profile_results(id_: str, *, paging: Paging) -> http.Answer:
    return await get_performance_profile_results(id_, paging=paging)


async def get_performance_results(*, paging: Paging, from_: str | None = None, to: str | None = None) -> http.Answer:
    services = context.current().services
    page = await profiles.list_results(
        services, _query(paging), start_from=_time(from_, "from"), start_to=_time(to, "to")
    )
    return http.json(page)


async def get_user_performance_results(
    *, paging: Paging, from_: str | None = None, to: str | None = None
) -> http.Answer:
    return await get_performance_results(paging=paging, from_=from_, to=to)


async def get_all_perf_results(*, paging: Paging, from_: str | None = None, to: str | None = None) -> http.Answer:
    return await get_performance_results(paging=paging, from_=from_, to=to)


async def get_perf_result(id_: str) -> http.Answer:
    return http.json(await profiles.get_result(context.current().services, id_))


async def get_smp_service_meshes() -> http.Answer:
    return http.json({"available_meshes": plans.mesh_names()})


async def get_smi_results(*, paging: Paging) -> http.Answer:
    return http.json({**_EMPTY_SMI, "page": paging.page, "page_size": paging.page_size(10)})


async def get_smi_result(id_: str) -> http.Answer:
    raise errors.ErrSmiResultNotFound(f"no SMI result {id_}")


# --- running -----------------------------------------------------------------------------------


async def _stream(plan: runs.Plan) -> http.Raw:
    """Start the run in the background and answer with its events (the run outlives the answer)."""
    ctx = context.current()
    services = ctx.services
    if isinstance(ctx.provider_impl, BaseProvider):
        plan = dataclasses.replace(plan, provider=ctx.provider_impl, credentials=ctx.credentials)
    run_id = runs.new_id()
    subscription = await services.bus.subscribe(runs.subject(run_id))
    try:
        await runs.of(services).start(plan, run_id=run_id)
    except BaseException:
        await subscription.unsubscribe()
        raise
    return http.event_stream(runs.follow(subscription))


async def run_load_test(
    *,
    name: str,
    mesh: str | None = None,
    uuid: str | None = None,
    headers: str | None = None,
    cookies: str | None = None,
    content_type: str | None = None,
    req_body: str | None = None,
    t: str | None = None,
    dur: str | None = None,
    c: str | None = None,
    url: str | None = None,
    qps: str | None = None,
    load_generator: str | None = None,
) -> http.Raw:
    query = plans.Query(name, mesh, uuid, headers, cookies, content_type, req_body, t, dur, c, url, qps, load_generator)
    return await _stream(plans.from_query(query, user_id=_user_id()))


async def run_load_test_with_config(
    *,
    name: str | None = None,
    mesh: str | None = None,
    uuid: str | None = None,
    headers: str | None = None,
    cookies: str | None = None,
    content_type: str | None = None,
    req_body: str | None = None,
    t: str | None = None,
    dur: str | None = None,
    c: str | None = None,
    url: str | None = None,
    qps: str | None = None,
    load_generator: str | None = None,
    body: dict[str, Any] | None = None,
) -> http.Raw:
    user_id = _user_id()
    if not body:  # upstream: an empty body runs the test of the query
        query = plans.Query(
            name, mesh, uuid, headers, cookies, content_type, req_body, t, dur, c, url, qps, load_generator
        )
        return await _stream(plans.from_query(query, user_id=user_id))
    plan = plans.from_smp(body, user_id=user_id)
    # A result is filed under the caller's profile only.
    if plan.profile_id is not None and not await profiles.exists(context.current().services, plan.profile_id):
        plan = runs.Plan(**{**plan.__dict__, "profile_id": None})
    return await _stream(plan)


async def run_performance_profile(
    id_: str,
    *,
    name: str | None = None,
    mesh: str | None = None,
    uuid: str | None = None,
    headers: str | None = None,
    cookies: str | None = None,
    content_type: str | None = None,
    req_body: str | None = None,
    t: str | None = None,
    dur: str | None = None,
    c: str | None = None,
    url: str | None = None,
    qps: str | None = None,
    load_generator: str | None = None,
) -> http.Raw:
    services = context.current().services
    row = await profiles.get_profile(services, id_)
    query = plans.Query(name, mesh, uuid, headers, cookies, content_type, req_body, t, dur, c, url, qps, load_generator)
    return await _stream(plans.from_profile(row, query, user_id=_user_id()))


async def cancel_performance_profile_run(id_: str) -> http.Answer:
    services = context.current().services
    await profiles.get_profile(services, id_)
    cancelled = await runs.cancel(services, user_id=_user_id(), profile_id=id_)
    if not cancelled:
        raise errors.ErrPerfRunNotFound(f"no run of profile {id_} is in progress")
    return http.json({"cancelled": cancelled})


# --- schedules ---------------------------------------------------------------------------------


async def get_schedules(*, paging: Paging) -> http.Answer:
    return http.json(await schedules.list_page(context.current().services, _query(paging)))


async def upsert_schedule(body: dict[str, Any]) -> http.Answer:
    return http.json(await schedules.save(context.current().services, _user_id(), body))


async def get_schedule(id_: str) -> http.Answer:
    return http.json(await schedules.get(context.current().services, id_))


async def delete_schedule(id_: str) -> http.Answer:
    return http.json(await schedules.delete(context.current().services, id_))


# --- SMP test configurations (/api/user/prefs/perf) --------------------------------------------


async def get_perf_test_config(*, paging: Paging, uuid: str | None = None) -> http.Answer:
    services = context.current().services
    if uuid:
        return http.json(await smp_configs.get(services, uuid))
    return http.json(await smp_configs.list_page(services, _query(paging)))


async def save_smp_test_config(body: dict[str, Any]) -> http.Answer:
    return http.text(await smp_configs.store(context.current().services, _user_id(), body))


async def delete_smp_test_config(uuid: str) -> http.Answer:
    await smp_configs.delete(context.current().services, uuid)
    return http.json({"message": f"SMP test configuration {uuid} deleted"})


# --- GraphQL -----------------------------------------------------------------------------------


def _selector(selector: dict[str, Any] | None) -> tuple[profiles.PageQuery, dict[str, Any]]:
    sel = selector or {}
    try:
        page, size = int(sel.get("page") or 0), int(sel.get("pageSize") or 10)
    except (TypeError, ValueError):
        raise errors.ErrPerfTestInvalid("page and pageSize must be integers") from None
    query = profiles.PageQuery(
        page=min(max(page, 0), 10_000_000),
        page_size=min(max(size, 1), 1000),
        search=sel.get("search") or None,
        order=sel.get("order") or None,
    )
    return query, sel


def _graphql_profiles(page: dict[str, Any]) -> dict[str, Any]:
    return {**page, "profiles": [wire.as_text(p) for p in page["profiles"]]}


def _graphql_results(page: dict[str, Any]) -> dict[str, Any]:
    return {**page, "results": [wire.graphql_result(r) for r in page["results"]]}


async def _results_page(query: profiles.PageQuery, sel: dict[str, Any], profile_id: str | None) -> dict[str, Any]:
    services = context.current().services
    page = await profiles.list_results(
        services,
        query,
        profile_id=profile_id or None,
        start_from=_time(sel.get("from"), "from"),
        start_to=_time(sel.get("to"), "to"),
    )
    return _graphql_results(page)


async def resolve_get_perf_result(id: str) -> dict[str, Any] | None:
    try:
        return wire.graphql_result(await profiles.get_result(context.current().services, id))
    except errors.ErrPerfResultNotFound:
        return None


async def resolve_fetch_results(selector: dict[str, Any], profile_id: str) -> dict[str, Any]:
    query, sel = _selector(selector)
    return await _results_page(query, sel, profile_id)


async def resolve_fetch_all_results(selector: dict[str, Any]) -> dict[str, Any]:
    query, sel = _selector(selector)
    return await _results_page(query, sel, None)


async def resolve_get_performance_profiles(selector: dict[str, Any]) -> dict[str, Any]:
    query, _ = _selector(selector)
    return _graphql_profiles(await profiles.list_profiles(context.current().services, query))


async def subscribe_perf_profiles(selector: dict[str, Any]) -> AsyncGenerator[dict[str, Any], None]:
    services = context.current().services
    query, _ = _selector(selector)

    async def current() -> dict[str, Any]:
        return _graphql_profiles(await profiles.list_profiles(services, query))

    async with aclosing(services.bus.follow(profiles.PROFILES_CHANGED, current, changes_only=True)) as pages:
        async for page in pages:
            yield page


async def subscribe_perf_results(selector: dict[str, Any], profile_id: str) -> AsyncGenerator[dict[str, Any], None]:
    services = context.current().services
    query, sel = _selector(selector)

    async def current() -> dict[str, Any]:
        return await _results_page(query, sel, profile_id)

    async with aclosing(services.bus.follow(profiles.RESULTS_CHANGED, current, changes_only=True)) as pages:
        async for page in pages:
            yield page
