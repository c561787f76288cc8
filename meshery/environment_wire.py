"""An environment's answer values, shared by the environment and connection services.

A connection's answer lists the environments it is attached to, and an environment's answer
lists its connections: the environment's values live here, below both services, so the
connection service does not import the environment service (which stands on it). Values are
given by Python name; the spec names them on the wire and the encoder writes the timestamps.
``deleted_at`` keeps Go's ``sql.NullTime`` shape (rows are deleted, so it is never valid).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from meshery.store.workspaces import Environment, Workspace

ZERO_TIME = "0001-01-01T00:00:00Z"
# The schema version of an environment (`@meshery/schemas` requires it on every answer).
ENVIRONMENT_SCHEMA_VERSION = "environments.meshery.io/v1beta1"


def null_time(value: datetime | None = None) -> dict[str, Any]:
    """Go's ``sql.NullTime`` as upstream puts it on the wire."""
    return {"Time": value, "Valid": True} if value else {"Time": ZERO_TIME, "Valid": False}


def view(row: Environment | Workspace) -> dict[str, Any]:
    """What an environment's (or a workspace's) answer carries, by Python name."""
    schema = {"schema_version": ENVIRONMENT_SCHEMA_VERSION} if isinstance(row, Environment) else {}
    return {
        **schema,
        "id": row.id,
        "name": row.name,
        "description": row.description,
        "organization_id": row.organization_id,
        "owner": row.owner,
        "metadata": row.meta or {},
        "created_at": row.created_at,
        "updated_at": row.updated_at,
        "deleted_at": null_time(),
    }
