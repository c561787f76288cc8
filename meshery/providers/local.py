"""The built-in local provider ("None"): every request is the local user's."""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

from meshery.context import Credentials, Session, User
from meshery.providers.base import LOCAL, BaseProvider, LoginStart

LOCAL_NAME = "None"
# The local user's stable id: a UUID, as `@meshery/schemas` wants for a user's `id` and for every
# `owner`/`userId` (upstream's answers carry UUIDs there). Rows the local user creates are owned by
# it (the session's ``user_id`` is the owner of what the user stores); rows of older versions owned
# by "meshery" are rewritten to it by the migration ``0010_local_owner``.
LOCAL_USER_UUID = "2e5d8c1f-7a4b-5c3e-9f60-1b2a3c4d5e6f"
# The user name of upstream's local provider (its profile's ``user_id``: "username or external
# ID" in `@meshery/schemas`), kept on the wire.
LOCAL_USER_NAME = "meshery"
LOCAL_USER = User(user_id=LOCAL_USER_UUID, first_name="Meshery", last_name="Meshery", provider=LOCAL_NAME)
# The local user exists since the server started (its profile times).
STARTED_AT = datetime.now(UTC)
# Upstream's local provider advertises these (``DefaultLocalProvider.Initialize``).
LOCAL_FEATURES = (
    "persist-meshery-patterns",
    "persist-meshery-applications",
    "persist-meshery-filters",
    "persist-credentials",
)
LOCAL_DESCRIPTION = (
    "Ephemeral sessions",
    "Environment setup not saved",
    "No performance test result history",
    "Free Use",
)


class LocalProvider(BaseProvider):
    """No login: sessions always succeed with the fixed local user (as upstream)."""

    name = LOCAL_NAME
    provider_type = LOCAL

    def __init__(self, *, build: str = "") -> None:
        self.build = build

    def properties(self) -> dict[str, Any]:
        return {
            "providerType": LOCAL,
            "packageVersion": self.build,
            "packageUrl": "",
            "providerName": LOCAL_NAME,
            "providerDescription": list(LOCAL_DESCRIPTION),
            "providerUrl": "",
            "extensions": {},
            "capabilities": [{"feature": f, "endpoint": ""} for f in LOCAL_FEATURES],
            "restrictedAccess": {},
            "redirects": {},
        }

    async def authenticate(self, *, token: str | None) -> Session | None:
        return Session(user=LOCAL_USER, token=token)

    async def user_details(self, session: User, creds: Credentials) -> dict[str, Any]:
        return local_profile()

    async def user_by_id(self, user_id: str, creds: Credentials) -> dict[str, Any] | None:
        return local_profile() if user_id.lower() in (LOCAL_USER_NAME, LOCAL_USER_UUID) else None

    def login(self, *, callback_url: str, ref: str, has_session: bool) -> LoginStart:
        return LoginStart(location="/")


def local_profile() -> dict[str, Any]:
    """The local user's profile: upstream's fields plus the id, status and times of `@meshery/schemas`."""
    return {
        **asdict(LOCAL_USER),
        "user_id": LOCAL_USER_NAME,
        "id": LOCAL_USER_UUID,
        "status": "active",
        "role_names": [],
        "created_at": STARTED_AT,
        "updated_at": STARTED_AT,
        "last_login_time": STARTED_AT,
        "deleted_at": None,
    }
