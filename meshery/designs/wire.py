"""JSON of stored designs as upstream clients read it: both casings of every renamed field.

mesheryctl's fixtures show the same record as ``user_id``/``pattern_file``/``created_at``
(older server) and as ``owner``/``patternFile``/``createdAt`` (newer), and pages with
``page_size``/``total_count`` or ``pageSize``/``totalCount``; emitting both keeps either
client working.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from meshery.store.designs import PatternRow


def iso(value: datetime) -> str:
    """RFC 3339 in UTC with a ``Z`` (SQLite returns naive UTC datetimes)."""
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(UTC).isoformat().replace("+00:00", "Z")


def record_json(
    row: PatternRow, *, populate: bool = True, problems: Iterable[Mapping[str, Any]] | None = None
) -> dict[str, Any]:
    """One design record; ``populate=False`` leaves the design text out (lists)."""
    created, updated = iso(row.created_at), iso(row.updated_at)
    body: dict[str, Any] = {
        "id": row.id,
        "name": row.name,
        "user_id": row.user_id,
        "owner": row.user_id,
        "location": dict(row.location or {}),
        "visibility": row.visibility,
        "catalog_data": dict(row.catalog_data or {}),
        "catalogData": dict(row.catalog_data or {}),
        "type": {"String": row.source_type, "Valid": bool(row.source_type)},
        "designType": row.source_type,
        "view_count": row.view_count,
        "download_count": row.download_count,
        "clone_count": row.clone_count,
        "deployment_count": row.deployment_count,
        "share_count": row.share_count,
        "created_at": created,
        "updated_at": updated,
        "createdAt": created,
        "updatedAt": updated,
    }
    if populate:
        body["pattern_file"] = body["patternFile"] = row.pattern_file
    if problems is not None:
        body["problems"] = [dict(p) for p in problems]
    return body


def page_json(page: int, page_size: int, total: int, rows: Iterable[PatternRow], *, populate: bool) -> dict[str, Any]:
    return {
        "page": page,
        "page_size": page_size,
        "pageSize": page_size,
        "total_count": total,
        "totalCount": total,
        "patterns": [record_json(r, populate=populate) for r in rows],
    }
