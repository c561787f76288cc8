"""Providers authenticate requests and own user data (upstream provider model).

The foundation ships the built-in local provider ("None"): no login, one
fixed local user. Remote providers plug in behind the same ``Provider``
protocol; ``meshery.session`` is the one place that asks a provider for a
session.
"""

from __future__ import annotations

from meshery.context import Provider
from meshery.providers.local import LocalProvider

__all__ = ["LocalProvider", "Provider"]
