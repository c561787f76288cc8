"""Stored filters as the values their answers are encoded from (``MesheryFilter`` in the spec).

Each field is declared once in the spec with its second spelling (``x-also-as``); this module
only says which values a filter record carries, by their Python names. The module is sent only
when the caller passes it (``GET /api/filter/{id}``); lists carry an empty ``filter_file``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from meshery.filters import resource, wasm
from meshery.store.filters import FilterRow


def record(row: FilterRow, *, module: bytes | None = None) -> dict[str, Any]:
    return {
        "id": row.id,
        "name": row.name,
        "user_id": row.user_id,
        "filter_file": wasm.encode(module) if module is not None else "",
        "filter_resource": row.filter_resource,
        "config": resource.config_of(row.filter_resource),
        "size": row.file_size,
        "sha256": row.file_sha256,
        "location": dict(row.location or {}),
        "visibility": row.visibility,
        "catalog_data": dict(row.catalog_data or {}),
        "created_at": row.created_at,
        "updated_at": row.updated_at,
    }


def page(number: int, page_size: int, total: int, rows: Iterable[FilterRow]) -> dict[str, Any]:
    return {"page": number, "page_size": page_size, "total_count": total, "filters": [record(r) for r in rows]}
