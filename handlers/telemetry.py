"""API area "telemetry": Grafana and Prometheus connections of the caller, queried through the server.

Current routes under ``/api/telemetry/{grafana,prometheus}/{connectionID}/``; the older routes of
the 2024 UI (``/api/telemetry/metrics/...``, ``/api/{grafana,prometheus}/query_range/...``) on the
same clients. Query answers are Prometheus' JSON bytes, passed through.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl

from generated import errors
from generated.handler_types import Paging
from meshery import connections, context, http
from meshery.telemetry import batch, boards, config, grafana, ping, prometheus, saved, targets, templating
from meshery.telemetry.targets import GRAFANA, PROMETHEUS


def _window(query: str | None, start: str | None, end: str | None, step: str | None) -> dict[str, str]:
    return {"query": query or "", "start": start or "", "end": end or "", "step": step or ""}


async def _target(connection_id: str, kind: str) -> targets.Resolved:
    return await targets.resolve(context.current(), connection_id, kind)


# --- Grafana -----------------------------------------------------------------------------------

async def get_grafana_telemetry_ping(connection_id: str) -> http.Answer:
    return http.json(await ping.ping(context.current(), connection_id, GRAFANA))


async def get_grafana_telemetry_boards(connection_id: str, search: str | None = None) -> http.Answer:
    return http.json(await grafana.search((await _target(connection_id, GRAFANA)).target, search))


async def get_grafana_telemetry_board(connection_id: str, uid: str) -> http.Answer:
    return http.json(await grafana.board((await _target(connection_id, GRAFANA)).target, uid))


async def get_grafana_telemetry_datasources(connection_id: str) -> http.Answer:
    return http.json(await grafana.datasources((await _target(connection_id, GRAFANA)).target))


async def get_grafana_telemetry_query_range(
    *,
    connection_id: str,
    ds: str | None = None,
    query: str | None = None,
    start: str | None = None,
    end: str | None = None,
    step: str | None = None,
) -> http.Raw:
    target = (await _target(connection_id, GRAFANA)).target
    return http.raw(await grafana.query_range(target, ds or "", _window(query, start, end, step)))


async def post_grafana_telemetry_query_range_batch(connection_id: str, body: dict[str, Any]) -> http.Answer:
    window, queries = batch.parse(body)
    target = (await _target(connection_id, GRAFANA)).target
    return http.json({"results": await batch.run(target, window, queries, through_grafana=True)})


async def get_grafana_telemetry_pinned_boards(connection_id: str) -> http.Answer:
    conn = await targets.connection_of(context.current(), connection_id, GRAFANA)
    return http.json([saved.pinned_board(b) for b in saved.read(conn, saved.PINNED_BOARDS) if isinstance(b, dict)])


async def post_grafana_telemetry_pinned_boards(connection_id: str, body: list[dict[str, Any]]) -> http.Answer:
    ctx = context.current()
    conn = await targets.connection_of(ctx, connection_id, GRAFANA)
    items = [saved.pinned_board(b) for b in body]
    return http.json(await saved.write(ctx.services, conn, saved.PINNED_BOARDS, items))


# --- Prometheus --------------------------------------------------------------------------------

async def get_prometheus_telemetry_ping(connection_id: str) -> http.Answer:
    return http.json(await ping.ping(context.current(), connection_id, PROMETHEUS))


async def get_prometheus_telemetry_metrics(
    connection_id: str, search: str | None = None, limit: int | None = None
) -> http.Answer:
    target = (await _target(connection_id, PROMETHEUS)).target
    return http.json(await prometheus.metric_names(target, search, limit))


async def get_prometheus_telemetry_labels(connection_id: str, match: str | None = None) -> http.Answer:
    return http.json(await prometheus.labels((await _target(connection_id, PROMETHEUS)).target, match))


async def get_prometheus_telemetry_label_values(
    connection_id: str, label: str | None = None, match: str | None = None
) -> http.Answer:
    target = (await _target(connection_id, PROMETHEUS)).target
    return http.json(await prometheus.label_values(target, label or "", match))


async def get_prometheus_telemetry_metadata(connection_id: str, metric: str | None = None) -> http.Raw:
    return http.raw(await prometheus.metadata((await _target(connection_id, PROMETHEUS)).target, metric))


async def get_prometheus_telemetry_query(
    connection_id: str, query: str | None = None, time: str | None = None
) -> http.Raw:
    return http.raw(await prometheus.query((await _target(connection_id, PROMETHEUS)).target, query or "", time))


async def get_prometheus_telemetry_query_range(
    connection_id: str,
    query: str | None = None,
    start: str | None = None,
    end: str | None = None,
    step: str | None = None,
) -> http.Raw:
    target = (await _target(connection_id, PROMETHEUS)).target
    return http.raw(await prometheus.query_range(target, _window(query, start, end, step)))


async def post_prometheus_telemetry_query_range_batch(connection_id: str, body: dict[str, Any]) -> http.Answer:
    window, queries = batch.parse(body)
    target = (await _target(connection_id, PROMETHEUS)).target
    return http.json({"results": await batch.run(target, window, queries, through_grafana=False)})


async def get_prometheus_telemetry_panels(connection_id: str) -> http.Answer:
    conn = await targets.connection_of(context.current(), connection_id, PROMETHEUS)
    return http.json([saved.metric_panel(p) for p in saved.read(conn, saved.PROMETHEUS_PANELS) if isinstance(p, dict)])


async def post_prometheus_telemetry_panels(connection_id: str, body: list[dict[str, Any]]) -> http.Answer:
    ctx = context.current()
    conn = await targets.connection_of(ctx, connection_id, PROMETHEUS)
    items = [saved.metric_panel(p) for p in body]
    return http.json(await saved.write(ctx.services, conn, saved.PROMETHEUS_PANELS, items))


# --- older routes of the 2024 UI --------------------------------------------------------------

def _form_text(body: Any, *names: str) -> str:
    for name in names:
        value = body.get(name) if isinstance(body, dict) else None
        if isinstance(value, str) and value.strip():
            return value.strip()
    return ""


async def get_grafana_config(paging: Paging) -> http.Answer:
    return http.json(
        await config.listing(context.current(), GRAFANA, page=paging.page, page_size=paging.page_size(10),
                             search=paging.search)
    )


async def post_grafana_config(body: Any) -> http.Answer:
    ctx = context.current()
    conn = await config.save(
        ctx, GRAFANA, url=_form_text(body, "grafanaURL", "grafanaUrl"), key=_form_text(body, "grafanaAPIKey"),
        name=_form_text(body, "grafanaConnectioncName", "grafanaConnectionName"),
    )
    return http.json(await connections.answer(ctx.services, conn))


async def delete_grafana_config() -> http.Answer:
    raise errors.ErrTelemetryDeprecated("use DELETE /api/integrations/connections/{connectionId}")


async def get_grafana_boards(connection_id: str, dashboard_search: str | None = None) -> http.Answer:
    target = (await _target(connection_id, GRAFANA)).target
    return http.json(await grafana.legacy_boards(target, dashboard_search))


async def post_grafana_boards(connection_id: str, body: list[dict[str, Any]]) -> http.Answer:
    ctx = context.current()
    conn = await targets.connection_of(ctx, connection_id, GRAFANA)
    await saved.write(ctx.services, conn, saved.GRAFANA_BOARDS, list(body))
    return http.json({})


async def get_grafana_ping(connection_id: str) -> http.Answer:
    await grafana.health((await _target(connection_id, GRAFANA)).target)
    return http.json({})


async def get_grafana_query_range(
    *,
    connection_id: str,
    ds: str | None = None,
    query: str | None = None,
    start: str | None = None,
    end: str | None = None,
    step: str | None = None,
    uuid: str | None = None,
    url: str | None = None,
    api_key: str | None = None,
) -> http.Raw:
    # ``url`` and ``api_key`` are what the 2024 UI believes the target is: never used, the
    # connection decides where a query goes and with which credential.
    target = (await _target(connection_id, GRAFANA)).target
    return http.raw(await grafana.legacy_query_range(target, ds or "", _window(query, start, end, step)))


async def get_prometheus_config(paging: Paging) -> http.Answer:
    return http.json(
        await config.listing(context.current(), PROMETHEUS, page=paging.page, page_size=paging.page_size(10),
                             search=paging.search)
    )


async def post_prometheus_config(body: Any) -> http.Answer:
    await config.save(
        context.current(), PROMETHEUS, url=_form_text(body, "prometheusURL", "prometheusUrl"),
        key=_form_text(body, "prometheusKey"), name=_form_text(body, "prometheusConnectionName"),
    )
    return http.json({})


async def delete_prometheus_config() -> http.Answer:
    raise errors.ErrTelemetryDeprecated("use DELETE /api/integrations/connections/{connectionId}")


async def get_prometheus_ping(connection_id: str) -> http.Answer:
    await prometheus.validate((await _target(connection_id, PROMETHEUS)).target)
    return http.json({})


async def get_prometheus_static_board(connection_id: str) -> http.Answer:
    target = (await _target(connection_id, PROMETHEUS)).target
    instances = await prometheus.node_instances(target)
    return http.json({"cluster": boards.cluster_board(), "node": boards.node_board(instances)})


async def post_prometheus_boards(connection_id: str, body: list[dict[str, Any]]) -> http.Answer:
    ctx = context.current()
    conn = await targets.connection_of(ctx, connection_id, PROMETHEUS)
    await saved.write(ctx.services, conn, saved.PROMETHEUS_BOARDS, list(body))
    return http.json({})


def _template_values() -> list[tuple[str, str]]:
    """Every query parameter as sent: the other template variables' values are among them."""
    return parse_qsl(context.current().request.query, keep_blank_values=True)


async def get_prometheus_query(
    connection_id: str, query: str | None = None, start: str | None = None, end: str | None = None
) -> http.Raw:
    target = (await _target(connection_id, PROMETHEUS)).target
    return http.raw(await templating.resolve(target, _template_values()))


async def get_grafana_query(
    *,
    connection_id: str,
    query: str | None = None,
    dsid: str | None = None,
    start: str | None = None,
    end: str | None = None,
) -> http.Raw:
    target = (await _target(connection_id, GRAFANA)).target
    source = await grafana.datasource_id(target, dsid or "")
    return http.raw(await templating.resolve(target, _template_values(), prefix=f"/api/datasources/proxy/{source}"))


async def post_prometheus_board_import(connection_id: str, body: dict[str, Any]) -> http.Answer:
    await targets.connection_of(context.current(), connection_id, PROMETHEUS)
    return http.json(boards.legacy(body, uri=str(body.get("slug") or "")))


async def get_prometheus_query_range(
    *,
    connection_id: str,
    query: str | None = None,
    start: str | None = None,
    end: str | None = None,
    step: str | None = None,
    uuid: str | None = None,
    url: str | None = None,
    api_key: str | None = None,
    ds: str | None = None,
) -> http.Raw:
    # As for Grafana: ``url`` and ``api_key`` from the client are ignored.
    target = (await _target(connection_id, PROMETHEUS)).target
    return http.raw(await prometheus.query_range(target, _window(query, start, end, step)))
