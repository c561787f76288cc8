"""Events of the Kubernetes side (connections, MeshSync, operator) through ``meshery.events``.

A thin wrapper: an event that cannot be recorded is logged and never breaks the operation it
reports (a status change seen by MeshSync, an upload).
"""

from __future__ import annotations

import logging
from typing import Any

from meshery.context import Services
from meshery.events import NewEvent, Severity
from meshery.events import raise_event as _raise

log = logging.getLogger(__name__)


async def raise_event(
    services: Services,
    *,
    category: str,
    action: str,
    severity: Severity,
    description: str,
    acted_upon: str | None = None,
    user_id: str | None = None,
    metadata: dict[str, Any] | None = None,
) -> None:
    event = NewEvent(category=category, action=action, severity=severity, description=description,
                     acted_upon=acted_upon, user_id=user_id or None, metadata=metadata or {})  # fmt: skip
    try:
        await _raise(services, event)
    except Exception as exc:  # an event must never break the operation it reports
        log.warning("event %s/%s not recorded: %s", category, action, exc)
