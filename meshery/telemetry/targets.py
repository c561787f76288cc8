"""A user's Grafana or Prometheus connection as a telemetry target (URL and credential)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from generated import errors
from meshery import connections, credentials
from meshery.context import RequestContext
from meshery.secrets import SecretError
from meshery.store.connections import Connection
from meshery.telemetry import fetch

GRAFANA, PROMETHEUS = "grafana", "prometheus"
# Keys a telemetry credential's secret may hold the API key under (upstream: ``secret``).
SECRET_KEYS = ("secret", "apiKey", "api_key", "grafanaAPIKey", "prometheusKey", "token")


@dataclass(frozen=True)
class Resolved:
    connection: Connection
    target: fetch.Target


async def connection_of(ctx: RequestContext, connection_id: str, kind: str) -> Connection:
    """The caller's connection of ``kind`` (404 when missing or another user's, 400 for another kind)."""
    user = ctx.require_user()
    conn = await connections.get(ctx.services, connection_id.lower())
    if conn.user_id not in (None, "", user.user_id):
        raise errors.ErrConnectionNotFound(f"connection {connection_id}")
    if conn.kind != kind:
        raise errors.ErrTelemetryConnectionKind(f"connection {connection_id} is of kind {conn.kind!r}, not {kind!r}")
    return conn


def _secret_text(secret: Any) -> str:
    if not isinstance(secret, dict):
        return ""
    for key in SECRET_KEYS:
        value = secret.get(key)
        if isinstance(value, str) and value.strip():
            return value
    user, password = secret.get("username"), secret.get("password")
    if isinstance(user, str) and isinstance(password, str) and user:
        return f"{user}:{password}"
    return ""


async def resolve(ctx: RequestContext, connection_id: str, kind: str) -> Resolved:
    """The connection and its target; a connection without credential is anonymous (as upstream)."""
    conn = await connection_of(ctx, connection_id, kind)
    raw_url = (conn.meta or {}).get("url")
    if not isinstance(raw_url, str) or not raw_url.strip():
        raise errors.ErrTelemetryUrlInvalid(f"connection {conn.id} has no metadata url")
    secret = ""
    if conn.credential_id:
        cred = await credentials.get(ctx.services, ctx.require_user().user_id, conn.credential_id)
        try:
            secret = _secret_text(credentials.box(ctx.services).open(cred.secret))
        except SecretError as exc:
            raise errors.ErrCredentialUnreadable(str(exc)) from None
    return Resolved(conn, fetch.Target(fetch.base_url(raw_url), fetch.authorization(secret)))
