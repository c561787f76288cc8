"""Connection routes beyond one connection's CRUD: counts by status, status changes of several
connections of a kind, the connection wizard's URL steps, and Meshery server connections.

Every function works on the requesting user's connections only (another user's connection
is "not found"): the store scopes every statement of a request to its user
(``meshery.store.ownership``), so nothing here filters by owner again.

The wizard (``verify``, ``details``, ``metadata``, ``configure`` under
``/api/integrations/connections/{kind}/``) works on a URL: it is checked (absolute http(s)
with a host, never fetched), normalised, compared with the user's connections of that kind,
and ``configure`` stores it as a connection (or updates the one to the same URL).
"""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from generated import errors
from meshery import connections
from meshery.context import Services
from meshery.store import connections as repo
from meshery.store.connections import Connection, ConnectionFilter

MESHERY_KIND = "meshery"
NAME_LIMIT = 255  # the longest connection name (the spec's maxLength)
ALL = 100_000


async def _own_of_kind(services: Services, kind: str) -> list[Connection]:
    return await repo.connections_by_kind(services.store, kind)


async def status_counts(services: Services) -> list[dict[str, Any]]:
    """One ``{status, count}`` per status the user's connections are in (upstream's ConnectionsStatusPage)."""
    _rows, _total, summary = await repo.list_connections(
        services.store, ConnectionFilter(), page=0, page_size=1, order=None
    )
    return [{"status": status, "count": count} for status, count in sorted(summary.items())]


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


async def change_statuses(
    services: Services, owner: str, kind: str, changes: dict[str, Any]
) -> dict[str, dict[str, str]]:
    """Move each connection to its target status; what could not move is reported, not raised."""
    for conn_id, target in changes.items():
        if not isinstance(target, str) or target not in connections.STATUSES:
            raise errors.ErrConnectionStatusPayload(
                f"{conn_id!r}: {target!r}; values are one of {list(connections.STATUSES)}"
            )
    updated: dict[str, str] = {}
    failed: dict[str, str] = {}
    for conn_id, target in changes.items():
        if not _is_uuid(conn_id):
            failed[conn_id] = "not a connection id"
            continue
        try:
            conn = await connections.get(services, conn_id)
            if conn.kind != kind:
                raise errors.ErrConnectionKindMismatch(f"connection {conn_id} is of kind {conn.kind}, not {kind}")
            updated[conn_id] = (await connections.update(services, conn_id, {"status": target})).status
        except errors.MesheryError as exc:
            failed[conn_id] = f"{exc.code}: {exc}"
    return {"updated": updated, "failed": failed}


def normalise_url(url: str) -> tuple[str, dict[str, str]]:
    """The URL without fragment, default path or trailing slash, and its parts; 400 when not http(s)."""
    try:
        parts = urlsplit(url.strip())
        host = parts.hostname
    except ValueError:  # e.g. an unclosed IPv6 bracket
        host = None
    if host is None or parts.scheme.lower() not in ("http", "https"):
        raise errors.ErrConnectionUrlInvalid(f"{url!r} is not an absolute http(s) URL")
    path = parts.path.rstrip("/")
    clean = urlunsplit((parts.scheme.lower(), parts.netloc.lower(), path, parts.query, ""))
    segments = [s for s in path.split("/") if s]
    name = (segments[-1].removesuffix(".git") if segments else host)[:NAME_LIMIT]
    return clean, {"scheme": parts.scheme.lower(), "host": host, "path": path, "name": name}


async def _existing(services: Services, owner: str, kind: str, url: str) -> Connection | None:
    for conn in await _own_of_kind(services, kind):
        stored = (conn.meta or {}).get("url")
        if isinstance(stored, str) and stored and normalise_url_or_none(stored) == url:
            return conn
    return None


def normalise_url_or_none(url: str) -> str | None:
    try:
        return normalise_url(url)[0]
    except errors.MesheryError:
        return None


async def url_details(services: Services, owner: str, kind: str, url: str) -> dict[str, Any]:
    """The URL's parts and, under ``connection``, the user's connection of this kind to it (if any)."""
    clean, parts = normalise_url(url)
    details: dict[str, Any] = {"kind": kind, "url": clean, **parts, "verified": True}
    found = await _existing(services, owner, kind, clean)
    if found is not None:
        details["connection"] = await connections.answer(services, found)
    return details


def metadata(kind: str, body: dict[str, Any]) -> dict[str, Any]:
    """The wizard's metadata as ``configure`` stores it: the URL normalised, a name when absent.

    Upstream's Helm wizard names the URL ``repoURL``; it is read as ``url`` and kept as sent.
    """
    clean, parts = normalise_url(str(body.get("url") or body.get("repoURL") or ""))
    return {**body, "url": clean, "name": str(body.get("name") or parts["name"])}


async def store_metadata(services: Services, owner: str, kind: str, body: dict[str, Any]) -> dict[str, Any]:
    """``metadata``, merged into the user's connection to that URL when there is one."""
    meta = metadata(kind, body)
    found = await _existing(services, owner, kind, meta["url"])
    if found is not None:
        await connections.update(services, found.id, {"metadata": meta})
    return meta


async def by_url(services: Services, owner: str, kind: str, url: str) -> Connection:
    """The user's connection of this kind to ``url``; not found otherwise."""
    clean, _parts = normalise_url(url)
    found = await _existing(services, owner, kind, clean)
    if found is None:
        raise errors.ErrConnectionNotFound(f"no {kind} connection to {clean}")
    return found


async def configure(services: Services, owner: str, kind: str, body: dict[str, Any]) -> Connection:
    """Store the connection to the metadata's URL (update the user's existing one to that URL)."""
    meta = metadata(kind, body)
    found = await _existing(services, owner, kind, meta["url"])
    if found is not None:
        return await connections.update(services, found.id, {"name": meta["name"], "metadata": meta})
    payload = {
        "kind": kind,
        "name": meta["name"],
        "type": str(body.get("type") or "platform"),
        "sub_type": str(body.get("sub_type") or ""),
        "metadata": meta,
        "status": connections.REGISTERED,
    }
    return await connections.create(services, owner, payload)


async def delete_meshery(services: Services, owner: str, server_id: str) -> list[str]:
    """Delete the user's Meshery server connections whose id or ``metadata.server_id`` is ``server_id``."""
    targets = [
        c.id
        for c in await _own_of_kind(services, MESHERY_KIND)
        if server_id in (c.id, str((c.meta or {}).get("server_id") or ""))
    ]
    if not targets:
        raise errors.ErrConnectionNotFound(f"no Meshery server connection for server {server_id}")
    for conn_id in targets:
        await connections.delete(services, conn_id)
    return targets
