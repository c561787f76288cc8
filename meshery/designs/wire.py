"""Stored designs as the values their answers are encoded from (``MesheryPattern`` in the spec).

mesheryctl's fixtures show the same record as ``user_id``/``pattern_file``/``created_at``
(older server) and as ``owner``/``patternFile``/``createdAt`` (newer), and pages with
``page_size``/``total_count`` or ``pageSize``/``totalCount``. The spec declares each field once
with its second spelling (``x-also-as``) and the generated encoder writes both; this module only
says which values a design record carries, by their Python names.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from meshery.store.designs import PatternRow


def record(
    row: PatternRow, *, populate: bool = True, problems: Iterable[Mapping[str, Any]] | None = None
) -> dict[str, Any]:
    """One design record; ``populate=False`` leaves the design text out (lists)."""
    value: dict[str, Any] = {
        "id": row.id,
        "name": row.name,
        "user_id": row.user_id,
        "location": dict(row.location or {}),
        "visibility": row.visibility,
        "catalog_data": dict(row.catalog_data or {}),
        "type": {"String": row.source_type, "Valid": bool(row.source_type)},
        "design_type": row.source_type,
        "view_count": row.view_count,
        "download_count": row.download_count,
        "clone_count": row.clone_count,
        "deployment_count": row.deployment_count,
        "share_count": row.share_count,
        "created_at": row.created_at,
        "updated_at": row.updated_at,
    }
    if populate:
        value["pattern_file"] = row.pattern_file
    if problems is not None:
        value["problems"] = [dict(p) for p in problems]
    return value


def page(number: int, page_size: int, total: int, rows: Iterable[PatternRow], *, populate: bool) -> dict[str, Any]:
    return {
        "page": number,
        "page_size": page_size,
        "total_count": total,
        "patterns": [record(r, populate=populate) for r in rows],
    }
