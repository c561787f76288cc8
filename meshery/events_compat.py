"""Raise events through ``meshery.events`` when it is present; log them otherwise.

Bridges the time before the events area lands: callers use one function either way.
"""

from __future__ import annotations

import importlib
import logging
from typing import Any

from meshery.context import Services

log = logging.getLogger(__name__)


async def raise_event(
    services: Services,
    *,
    category: str,
    action: str,
    severity: str,
    description: str,
    acted_upon: str | None = None,
    user_id: str | None = None,
    metadata: dict[str, Any] | None = None,
) -> None:
    try:
        events: Any = importlib.import_module("meshery.events")
    except ImportError:
        log.info("event %s/%s (%s): %s", category, action, severity, description)
        return
    try:
        await events.raise_event(
            services,
            events.NewEvent(
                category=category,
                action=action,
                severity=severity,
                description=description,
                acted_upon=acted_upon,
                user_id=user_id,
                metadata=metadata or {},
            ),
        )
    except Exception as exc:  # an event must never break the operation it reports
        log.warning("event %s/%s not recorded: %s", category, action, exc)
