"""Grafana through a connection: health, dashboards, datasources and datasource-proxied queries.

Upstream's client (``models/telemetry/grafana``): boards from ``/api/search?type=dash-db``,
one board from ``/api/dashboards/uid/<uid>``, datasources from ``/api/datasources``, range
queries through ``/api/datasources/proxy/uid/<uid>/api/v1/query_range`` (a reference that is a
name or a stale uid is resolved against the datasource list and tried once more). Query answers
are Prometheus JSON passed through as bytes.
"""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import quote

from generated import errors
from meshery.telemetry import boards
from meshery.telemetry.fetch import Reply, Target, check, fetch, get_json

MAX_BOARDS = 200  # boards read per legacy listing


async def health(target: Target) -> dict[str, Any]:
    """``{reachable, version, database}``; a reachable Grafana answering odd JSON has no version."""
    data = check(await fetch(target, "/api/health"), target, "/api/health").json()
    info = data if isinstance(data, dict) else {}
    return {"reachable": True, "version": str(info.get("version") or ""), "database": str(info.get("database") or "")}


async def search(target: Target, query: str | None) -> list[dict[str, Any]]:
    params = {"type": "dash-db", "limit": "5000"}
    if query and query.strip():
        params["query"] = query
    hits = await get_json(target, "/api/search", params=params)
    if not isinstance(hits, list):
        raise errors.ErrTelemetryAnswer(f"{target.host}/api/search did not answer a list")
    out = []
    for hit in hits:
        if not isinstance(hit, dict) or hit.get("type") not in (None, "", "dash-db"):
            continue
        item: dict[str, Any] = {"uid": str(hit.get("uid") or ""), "title": str(hit.get("title") or ""),
                                "url": str(hit.get("url") or "")}
        if isinstance(hit.get("tags"), list) and hit["tags"]:
            item["tags"] = [str(t) for t in hit["tags"]]
        out.append(item)
    return out


async def dashboard(target: Target, uid: str) -> dict[str, Any]:
    """Grafana's answer for one dashboard (``{"dashboard": ..., "meta": ...}``)."""
    if not uid.strip():
        raise errors.ErrTelemetryParameter("empty board uid")
    data = await get_json(target, f"/api/dashboards/uid/{quote(uid, safe='')}")
    if not isinstance(data, dict) or not isinstance(data.get("dashboard"), dict):
        raise errors.ErrTelemetryAnswer(f"{target.host}: the dashboard answer has no dashboard")
    return data


async def board(target: Target, uid: str) -> dict[str, Any]:
    return boards.normalize((await dashboard(target, uid))["dashboard"])


async def datasources(target: Target) -> list[dict[str, Any]]:
    data = await get_json(target, "/api/datasources")
    if not isinstance(data, list):
        raise errors.ErrTelemetryAnswer(f"{target.host}/api/datasources did not answer a list")
    return [
        {"uid": str(d.get("uid") or ""), "name": str(d.get("name") or ""), "type": str(d.get("type") or ""),
         "isDefault": d.get("isDefault") is True, "id": d.get("id") if isinstance(d.get("id"), int) else 0}
        for d in data if isinstance(d, dict)
    ]


DEFAULT_REFS = frozenset({"", "default", "undefined", "null"})


def _resolve(sources: list[dict[str, Any]], ref: str) -> dict[str, Any] | None:
    """A datasource by uid, name or id; then by type (the 2024 UI sends the type, capitalized);
    an empty reference (or the UI's ``undefined``) is Grafana's default datasource."""
    if ref.strip().lower() in DEFAULT_REFS:
        return next((s for s in sources if s.get("isDefault")), sources[0] if sources else None)
    for key in ("uid", "name"):
        for source in sources:
            if source.get(key) == ref:
                return source
    for source in sources:
        if str(source.get("id")) == ref:
            return source
    typed = [s for s in sources if str(s.get("type") or "").lower() == ref.lower()]
    return next((s for s in typed if s.get("isDefault")), typed[0] if typed else None)


def _not_found(ref: str, sources: list[dict[str, Any]]) -> errors.MesheryError:
    listed = ", ".join(f"{s['name']} (uid={s['uid']})" for s in sources) or "none listable"
    return errors.ErrTelemetryDatasourceNotFound(f"datasource {ref!r}; available: {listed}")


async def _proxied(target: Target, uid: str, params: dict[str, str]) -> Reply:
    path = f"/api/datasources/proxy/uid/{quote(uid, safe='')}/api/v1/query_range"
    return await fetch(target, path, params=params)


async def query_range(
    target: Target, ref: str, params: dict[str, str], *, sources: list[dict[str, Any]] | None = None
) -> bytes:
    """A Prometheus range query through Grafana's datasource proxy; the answer's bytes as they are."""
    if not ref.strip():
        raise errors.ErrTelemetryParameter("empty datasource (ds)")
    path = "/api/datasources/proxy/uid/.../api/v1/query_range"
    reply = await _proxied(target, ref, params)
    if reply.status == 404:
        listed = sources if sources is not None else await datasources_or_none(target)
        found = _resolve(listed, ref)
        if found is None or not found.get("uid") or found["uid"] == ref:
            raise _not_found(ref, listed)
        reply = await _proxied(target, str(found["uid"]), params)
        if reply.status == 404:
            raise _not_found(ref, listed)
    return check(reply, target, path).body


async def datasources_or_none(target: Target) -> list[dict[str, Any]]:
    try:
        return await datasources(target)
    except errors.MesheryError:
        return []


# --- the older routes of the 2024 UI ----------------------------------------------------------

async def legacy_boards(target: Target, search_text: str | None) -> list[dict[str, Any]]:
    """Boards with their panels in the older ``GrafanaBoard`` shape (search, then each board)."""
    params = {"type": "dash-db", "limit": "5000"}
    if search_text and search_text.strip():
        params["query"] = search_text
    hits = await get_json(target, "/api/search", params=params)
    found = [h for h in hits if isinstance(h, dict) and h.get("uid")] if isinstance(hits, list) else []
    sources = await datasources_or_none(target)

    def source_of(ref: Any) -> dict[str, Any] | None:
        """A template variable's datasource as the UI reads it (``{id, name}``), as upstream resolves it."""
        text = ref if isinstance(ref, str) else ref.get("uid", "") if isinstance(ref, dict) else ""
        hit = _resolve(sources, str(text))
        return {"id": hit["id"], "name": hit["name"]} if hit else None

    async def one(hit: dict[str, Any]) -> dict[str, Any]:
        data = await dashboard(target, str(hit["uid"]))
        org = data.get("meta", {}).get("orgId") if isinstance(data.get("meta"), dict) else None
        return boards.legacy(data["dashboard"], uri=str(hit.get("uri") or hit.get("url") or ""),
                             org_id=org if isinstance(org, int) else 0, datasource=source_of)

    return list(await asyncio.gather(*(one(h) for h in found[:MAX_BOARDS])))


async def datasource_id(target: Target, ref: str) -> int:
    """The numeric id of a datasource named by id, uid, name or type (older proxy paths take the id)."""
    sources = await datasources(target)
    found = _resolve(sources, ref)
    if found is None:
        raise _not_found(ref, sources)
    return int(found["id"])


async def legacy_query_range(target: Target, ds_name: str, params: dict[str, str]) -> bytes:
    """Upstream's older range query: ``ds`` names a datasource, proxied by its numeric id."""
    path = f"/api/datasources/proxy/{await datasource_id(target, ds_name)}/api/v1/query_range"
    return check(await fetch(target, path, params=params), target, path).body
