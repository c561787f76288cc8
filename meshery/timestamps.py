"""Timestamps on the wire: the one place that formats a stored datetime for an answer.

It sits below every service (connections, credentials, environments, workspaces, contexts), so
a service that only needs the format does not import another service for it.
"""

from __future__ import annotations

from datetime import UTC, datetime


def iso(value: datetime) -> str:
    """RFC 3339 with a zone (SQLite hands back naive datetimes; they are UTC)."""
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).isoformat()
