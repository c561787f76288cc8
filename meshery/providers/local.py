"""The built-in local provider ("None"): every request is the local user's."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from meshery.context import Credentials, Session, User
from meshery.providers.base import LOCAL, BaseProvider, LoginStart

LOCAL_NAME = "None"
LOCAL_USER = User(user_id="meshery", first_name="Meshery", last_name="Meshery", provider=LOCAL_NAME)
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
        return asdict(LOCAL_USER)

    async def user_by_id(self, user_id: str, creds: Credentials) -> dict[str, Any] | None:
        return asdict(LOCAL_USER) if user_id == LOCAL_USER.user_id else None

    def login(self, *, callback_url: str, ref: str, has_session: bool) -> LoginStart:
        return LoginStart(location="/")
