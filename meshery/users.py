"""Users service: the current user's profile and preferences (upstream ``Preference``).

Preferences are one JSON document per user and provider in the server
database; with a remote provider offering ``sync-prefs`` every change is also
sent to it. Other areas use this module to keep their per-user settings
(e.g. the adapters area keeps ``meshAdapters``):

    from meshery import context, users
    ctx = context.current()
    prefs = await users.preferences(ctx)                      # dict, defaults filled in
    prefs = await users.record_preferences(ctx, {"meshAdapters": [...]})   # top-level merge, synced

Outside a request (no provider session to sync with) use ``load`` and
``store_preferences`` with an explicit user id and provider name.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from generated import errors
from generated.answers import wire_time
from meshery.context import RequestContext, Services
from meshery.providers.base import BaseProvider
from meshery.store import users as store_users

log = logging.getLogger(__name__)

DEFAULT_PREFERENCES: dict[str, Any] = {
    "meshAdapters": [],
    "grafana": {"grafanaURL": "", "grafanaAPIKey": "", "selectedBoardsConfigs": []},
    "prometheus": {"prometheusURL": "", "selectedPrometheusBoardsConfigs": []},
    "loadTestPrefs": {"c": 0, "qps": 0, "t": "30s", "gen": "fortio"},
    "anonymousUsageStats": True,
    "anonymousPerfResults": True,
    "dashboardPreferences": {},
    "selectedOrganizationID": "",
    "selectedWorkspaceForOrganizations": {},
    "usersExtensionPreferences": {},
    "remoteProviderPreferences": {},
}
# Upstream emits these spellings side by side; either is accepted on input.
ALIASES = (
    ("grafana", "grafanaURL", "grafanaUrl"),
    ("grafana", "grafanaAPIKey", "grafanaApiKey"),
    ("prometheus", "prometheusURL", "prometheusUrl"),
    (None, "selectedOrganizationID", "selectedOrganizationId"),
)

# Extra sections of GET /api/system/sync, filled by other areas:
# SYNC_SECTIONS["k8sConfig"] = async def (ctx) -> list[dict].
SyncSection = Callable[[RequestContext], Awaitable[Any]]
SYNC_SECTIONS: dict[str, SyncSection] = {}


def _now() -> str:
    return wire_time(datetime.now(UTC))


def canonical(prefs: dict[str, Any]) -> dict[str, Any]:
    """Both spellings of the aliased fields, with the upstream one winning."""
    out = copy.deepcopy(prefs)
    for section, upstream, canon in ALIASES:
        target = out if section is None else out.get(section)
        if not isinstance(target, dict):
            continue
        value = target.get(upstream) or target.get(canon)
        if value is not None:
            target[upstream] = value
            target[canon] = value
    return out


def with_defaults(stored: dict[str, Any] | None) -> dict[str, Any]:
    prefs = copy.deepcopy(DEFAULT_PREFERENCES)
    prefs["updatedAt"] = _now()
    prefs.update(stored or {})
    return canonical(prefs)


async def load(services: Services, *, user_id: str, provider: str) -> dict[str, Any]:
    """The stored preferences of a user (defaults when none were saved)."""
    return with_defaults(await store_users.load(services.store, user_id=user_id, provider=provider))


async def store_preferences(
    services: Services, *, user_id: str, provider: str, changes: dict[str, Any]
) -> dict[str, Any]:
    """Merge top-level fields into the stored document and save it; returns the whole document."""
    prefs = await load(services, user_id=user_id, provider=provider)
    prefs.update(canonical(changes))
    prefs = canonical(prefs)
    prefs["updatedAt"] = _now()
    await store_users.save(services.store, user_id=user_id, provider=provider, preferences=prefs)
    return prefs


async def preferences(ctx: RequestContext) -> dict[str, Any]:
    """The current user's preferences."""
    return await load(ctx.services, user_id=ctx.require_user().user_id, provider=ctx.provider)


async def record_preferences(ctx: RequestContext, changes: dict[str, Any]) -> dict[str, Any]:
    """Upstream ``RecordPreferences``: store, then sync to a remote provider that supports it."""
    user = ctx.require_user()
    prefs = await store_preferences(ctx.services, user_id=user.user_id, provider=ctx.provider, changes=changes)
    provider = ctx.provider_impl
    if isinstance(provider, BaseProvider) and provider.supports("sync-prefs"):
        synced = await provider.sync_preferences(ctx.credentials, prefs)
        log.info("preferences of a %s user synced: %s", provider.name, synced)
    return prefs


async def user_details(ctx: RequestContext) -> dict[str, Any]:
    """The current user's profile from the provider; newer provider-side preferences are kept locally."""
    user = ctx.require_user()
    provider = ctx.provider_impl
    if not isinstance(provider, BaseProvider):
        return {"user_id": user.user_id, "first_name": user.first_name, "last_name": user.last_name,
                "email": user.email, "avatar_url": user.avatar_url, "provider": user.provider}
    details = await provider.user_details(user, ctx.credentials)
    details.setdefault("user_id", user.user_id)
    details.setdefault("provider", provider.name)
    remote = details.get("preferences")
    if isinstance(remote, dict) and remote:
        local = await store_users.load(ctx.services.store, user_id=user.user_id, provider=ctx.provider)
        if local is None or str(remote.get("updatedAt") or "") > str(local.get("updatedAt") or ""):
            await store_users.save(
                ctx.services.store, user_id=user.user_id, provider=ctx.provider, preferences=with_defaults(remote)
            )
        details["preferences"] = with_defaults(remote)
    return details


async def user_by_id(ctx: RequestContext, user_id: str) -> dict[str, Any]:
    provider = ctx.provider_impl
    found = await provider.user_by_id(user_id, ctx.credentials) if isinstance(provider, BaseProvider) else None
    if found is None:
        raise errors.ErrUserNotFound(f"user {user_id!r}")
    return found


async def session_sync(ctx: RequestContext) -> dict[str, Any]:
    """Upstream ``SessionSyncData``: the preferences plus ``k8sConfig`` (and other registered sections)."""
    data = await preferences(ctx)
    data["k8sConfig"] = []
    for key, section in SYNC_SECTIONS.items():
        data[key] = await section(ctx)
    return data
