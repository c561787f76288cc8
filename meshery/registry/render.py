"""Render stored registry rows as upstream JSON, splicing stored JSON text instead of re-parsing it.

Component bodies are kept as (compressed) JSON without the keys the registry
owns (id, status, model, component); an answer is assembled from those pieces, so
a page of components costs string joins, not a parse and a dump of each
(often 10-200 KB) JSON schema.
"""

from __future__ import annotations

import functools
from datetime import datetime
from typing import Any

import orjson

from generated.answers import wire_time
from meshery.registry import codec

ZERO_TIME = "0001-01-01T00:00:00Z"
NIL = "00000000-0000-0000-0000-000000000000"


def _time(value: Any) -> str:
    if value is None:
        return ZERO_TIME
    return wire_time(value) if isinstance(value, datetime) else str(value)


def registrant(row: Any) -> dict[str, Any]:
    """The ``registry_queries.REGISTRANT_COLUMNS`` of a model or registrant row as upstream's connection."""
    return {
        "id": row.registrant_id,
        "name": row.registrant_name,
        "credential_id": NIL,
        "type": row.registrant_type,
        "sub_type": row.registrant_sub_type,
        "kind": row.registrant_kind,
        "status": row.registrant_status,
        "user_id": NIL,
        "created_at": _time(row.registrant_created_at),
        "updated_at": _time(row.registrant_updated_at),
        "deleted_at": ZERO_TIME,
    }


def model(row: Any, *, trim: bool = False) -> dict[str, Any]:
    """A row of ``registry_queries.MODEL_COLUMNS`` and ``duplicates`` as the upstream model JSON."""
    body: dict[str, Any] = orjson.loads(row.body)
    body.update(
        id=row.id,
        name=row.name,
        version=row.version,
        displayName=row.display_name,
        status=row.status,
        subCategory=row.sub_category,
        registrant=registrant(row),
        connection_id=row.registrant_id,
        # @meshery/schemas' model names its registrant and category by id too
        registrantId=row.registrant_id,
        category={"id": row.category_id, "name": row.category_name},
        categoryId=row.category_id,
        createdAt=_time(getattr(row, "created_at", None)),
        updatedAt=_time(getattr(row, "updated_at", None)),
        components_count=int(row.components_count),
        relationships_count=int(row.relationships_count),
        components=None,
        relationships=None,
    )
    body.setdefault("schemaVersion", "models.meshery.io/v1beta1")
    inner = body.get("model")
    if not isinstance(inner, dict):
        body["model"] = {"version": row.model_version}
    if trim and isinstance(body.get("metadata"), dict):
        body["metadata"] = {k: v for k, v in body["metadata"].items() if not k.startswith("svg")}
    if row.duplicates is not None:
        body["duplicates"] = int(row.duplicates)
    return body


def component(row: Any, model_json: bytes, *, trim: bool, duplicates: int | None = None) -> bytes:
    """A components row (columns id, status, kind, api_version, model_id, data, duplicates) as JSON."""
    comp_id, status, kind, api_version = row.id, row.status, row.kind, row.api_version
    body, schema = codec.unpack(row.data)
    inner = body[1:-1]
    parts = [b'{"id":', orjson.dumps(comp_id), b',"status":', orjson.dumps(status), b","]
    if inner:
        parts += [inner, b","]
    parts += [
        b'"component":{"version":',
        orjson.dumps(api_version),
        b',"kind":',
        orjson.dumps(kind),
        b',"schema":',
        b'""' if trim else schema,
        b'},"model":',
        model_json,
    ]
    if b'"modelReference"' not in inner:  # rows stored before the registry owned the key keep theirs
        parts += [b',"modelReference":', model_reference(model_json)]
    dup = duplicates if duplicates is not None else getattr(row, "duplicates", 0)
    parts += [b',"duplicates":', str(int(dup or 0)).encode(), b"}"]
    return b"".join(parts)


@functools.lru_cache(maxsize=4096)
def model_reference(model_json: bytes) -> bytes:
    """``@meshery/schemas``' ``modelReference`` of a component, from its model's JSON.

    Cached per model: a page's components share one model JSON object, whose hash bytes keep.
    """
    found = orjson.loads(model_json)
    if not isinstance(found, dict):
        return b"null"
    inner: dict[str, Any] = found["model"] if isinstance(found.get("model"), dict) else {}
    registrant: dict[str, Any] = found["registrant"] if isinstance(found.get("registrant"), dict) else {}
    return orjson.dumps(
        {
            "id": found.get("id", NIL),
            "name": found.get("name", ""),
            "version": found.get("version", ""),
            "displayName": found.get("displayName", ""),
            "model": {"version": inner.get("version", "")},
            "registrant": {"kind": registrant.get("kind", "")},
        }
    )


def relationship(row: Any) -> bytes:
    rel_id, status, body = row[:3]
    inner = body[1:-1]
    head = b'{"id":' + orjson.dumps(rel_id) + b',"status":' + orjson.dumps(status)
    return head + (b"," + inner.encode() if inner else b"") + b"}"


def entity(row: Any) -> bytes:
    ent_id, body = row[:2]
    inner = body[1:-1]
    return b'{"id":' + orjson.dumps(ent_id) + (b"," + inner.encode() if inner else b"") + b"}"


def page(key: str, *, page: int, page_size: int, total: int, items: list[bytes]) -> bytes:
    # upstream's snake_case page fields, and @meshery/schemas' camelCase ones beside them
    head = codec.dumps(
        {"page": page, "page_size": page_size, "total_count": total, "pageSize": page_size, "totalCount": total}
    )
    return head[:-1] + b',"' + key.encode() + b'":[' + b",".join(items) + b"]}"
