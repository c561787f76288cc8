"""Pinging a telemetry connection, with the ``connection``/``ping`` event upstream raises for it."""

from __future__ import annotations

from typing import Any

from generated import errors
from meshery import notify
from meshery.context import RequestContext
from meshery.telemetry import grafana, prometheus, targets

LABELS = {targets.GRAFANA: "Grafana", targets.PROMETHEUS: "Prometheus"}


async def ping(ctx: RequestContext, connection_id: str, kind: str) -> dict[str, Any]:
    """``{reachable, version[, database]}``; a failure raises the catalogued error after its event."""
    user = ctx.require_user().user_id
    label = LABELS[kind]
    name = connection_id
    try:
        resolved = await targets.resolve(ctx, connection_id, kind)
        name = resolved.connection.name
        if kind == targets.GRAFANA:
            info = await grafana.health(resolved.target)
        else:
            info = await prometheus.health(resolved.target)
    except errors.MesheryError as exc:
        await notify.raise_event(
            ctx.services, category="connection", action="ping", severity="error",
            description=f"{label} connection {name!r} is unreachable.", acted_upon=connection_id,
            user_id=user, metadata={"error": exc.message, "code": exc.code},
        )
        raise
    version = f" ({label} {info['version']})" if info.get("version") else ""
    await notify.raise_event(
        ctx.services, category="connection", action="ping", severity="informational",
        description=f"{label} connection {name!r} is reachable{version}.", acted_upon=resolved.connection.id,
        user_id=user, metadata={k: v for k, v in {**info, "url": resolved.connection.meta.get("url")}.items()
                                if k != "reachable"},
    )
    return info
