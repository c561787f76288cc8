"""Where a connection keeps its controller configuration, and the one reading MeshSync needs.

The configuration (operator, MeshSync mode, broker) lives in the connection's metadata under
``CONFIG_KEY``. The connection service edits it and the MeshSync runtime reads the mode; both
stand on this module, so neither imports the other for it.
"""

from __future__ import annotations

from meshery.store.connections import Connection

CONFIG_KEY = "_controllers"


def embedded_sync_wanted(conn: Connection, default_mode: str) -> bool:
    """Whether this server discovers the connection itself (per-connection MeshSync mode)."""
    stored = (conn.meta or {}).get(CONFIG_KEY) or {}
    return str(stored.get("meshsync", {}).get("deploymentMode", default_mode)) != "operator"
