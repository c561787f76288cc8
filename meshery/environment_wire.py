"""An environment's wire form, shared by the environment and connection services.

A connection's answer lists the environments it is attached to, and an environment's answer
lists its connections: the environment's wire form lives here, below both services, so the
connection service does not import the environment service (which stands on it).
Upstream's snake_case names and Go's ``sql.NullTime`` shape for ``deleted_at`` (rows are
deleted, so it is never valid).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from meshery.store.workspaces import Environment, Workspace
from meshery.timestamps import iso

ZERO_TIME = "0001-01-01T00:00:00Z"


def null_time(value: datetime | None = None) -> dict[str, Any]:
    """Go's ``sql.NullTime`` as upstream puts it on the wire."""
    return {"Time": iso(value), "Valid": True} if value else {"Time": ZERO_TIME, "Valid": False}


def to_json(row: Environment | Workspace) -> dict[str, Any]:
    """An environment (or a workspace in a list): upstream's snake_case wire names."""
    return {
        "id": row.id,
        "name": row.name,
        "description": row.description,
        "organization_id": row.organization_id,
        "owner": row.owner,
        "metadata": row.meta or {},
        "created_at": iso(row.created_at),
        "updated_at": iso(row.updated_at),
        "deleted_at": null_time(),
    }
