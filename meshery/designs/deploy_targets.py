"""The Kubernetes connections a deploy targets, each opened as a client and pinged once.

Targets come from the repeated ``contexts`` query parameter as upstream's
``KubernetesMiddleware`` reads it: connection ids or context ids, ``all`` for every connected
Kubernetes connection of the user; none given means the same as ``all``. An unknown id is a
404 for the whole request; a known connection whose credentials cannot be used or whose API
server does not answer is still a target, with the error every one of its results will carry.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from generated import errors
from meshery import contexts as kube_contexts
from meshery.connections import CONNECTED
from meshery.context import Services
from meshery.kube import KubeClient, KubeconfigError, KubeError, KubeUnreachable
from meshery.store import connections as repo
from meshery.store.connections import Connection

PING_SECONDS = 3.0


@dataclass(slots=True)
class Target:
    """One target connection: a client to use, or the error that stops every object on it."""

    connection_id: str
    name: str
    server: str
    client: KubeClient | None = None
    error: errors.MesheryError | None = None

    def to_json(self) -> dict[str, object]:
        """Documented exception to encoding from the spec: this dict is also in the deploy event's
        metadata (stored and sent on the bus as plain JSON); in the HTTP answer the encoder still
        validates it against ``DeployTarget``."""
        out: dict[str, object] = {
            "connectionId": self.connection_id,
            "name": self.name,
            "server": self.server,
            "reachable": self.error is None,
        }
        if self.error is not None:
            out["error"] = {"code": self.error.code, "message": self.error.message}
        return out

    async def close(self) -> None:
        if self.client is not None:
            await self.client.close()
            self.client = None


async def connections(services: Services, user_id: str | None, ids: list[str]) -> list[Connection]:
    """The target connections (404 for an unknown id; 400 when there is none at all)."""
    if not ids or "all" in ids:
        found = [
            c
            for c in await repo.connections_by_kind(services.store, "kubernetes", [CONNECTED])
            if c.user_id in (None, user_id)
        ]
        if not found:
            raise errors.ErrDeployNoConnection("connect a Kubernetes cluster or name one in `contexts`")
        return found
    chosen: dict[str, Connection] = {}
    for context_id in dict.fromkeys(ids):
        conn = await kube_contexts.find(services, context_id)  # ErrKubernetesContextNotFound (404)
        if conn.user_id not in (None, user_id):  # another user's connection is not this user's to name
            raise errors.ErrKubernetesContextNotFound(f"context {context_id}")
        chosen.setdefault(conn.id, conn)
    return list(chosen.values())


async def _open(services: Services, conn: Connection) -> Target:
    meta = conn.meta or {}
    target = Target(connection_id=conn.id, name=conn.name, server=str(meta.get("server", "")))
    try:
        ctx = await services.kube.context_of(conn)
        target.client = await KubeClient.create(ctx)
    except (errors.MesheryError, KubeconfigError) as exc:
        target.error = errors.ErrDeployConnectionUnusable(f"connection {conn.name}: {getattr(exc, 'message', exc)}")
        return target
    try:
        async with asyncio.timeout(PING_SECONDS * 2):
            await target.client.version(seconds=PING_SECONDS)
    except (KubeUnreachable, KubeError, TimeoutError) as exc:
        target.error = errors.ErrDeployClusterUnreachable(f"connection {conn.name} ({target.server}): {exc}")
        await target.close()
    return target


async def open_targets(services: Services, conns: list[Connection]) -> list[Target]:
    """A client per connection, pinged concurrently (unreachable ones carry their error)."""
    return list(await asyncio.gather(*(_open(services, c) for c in conns)))
