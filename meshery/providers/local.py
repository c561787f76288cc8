"""The built-in local provider ("None"): every request is the local user's."""

from __future__ import annotations

from meshery.context import User

LOCAL_USER = User(user_id="meshery", first_name="Meshery", last_name="Meshery", provider="None")


class LocalProvider:
    """No login: sessions always succeed with the fixed local user (as upstream)."""

    name = "None"

    async def authenticate(self, *, token: str | None) -> User | None:
        return LOCAL_USER
