"""The provider interface (upstream ``models.Provider``, the part this server needs).

A provider authenticates sessions, describes itself (``ProviderProperties``),
drives the login and logout flow and owns user details; a remote provider
also receives the user's preferences (``sync-prefs``). Upstream's interface
has 137 methods, most of them persistence of other areas that this server
keeps in its own database; those are not part of this interface.
"""

from __future__ import annotations

import abc
from dataclasses import dataclass
from typing import Any

from meshery.context import Credentials, Session, User

LOCAL = "local"
REMOTE = "remote"


@dataclass(frozen=True)
class LoginStart:
    """Where ``/user/login`` sends the browser, and the cookies to set on the way."""

    location: str
    cookies: tuple[tuple[str, str, int], ...] = ()  # (name, value, max-age seconds)


class BaseProvider(abc.ABC):
    """One provider; the registry holds one local and any number of remote ones."""

    name: str
    provider_type: str
    url: str = ""

    @abc.abstractmethod
    def properties(self) -> dict[str, Any]:
        """Upstream ``ProviderProperties`` as JSON."""

    def supports(self, feature: str) -> bool:
        return self.endpoint(feature) is not None

    def endpoint(self, feature: str) -> str | None:
        """The endpoint of a capability (e.g. ``sync-prefs``), or None when not offered."""
        for cap in self.properties().get("capabilities") or []:
            if isinstance(cap, dict) and cap.get("feature") == feature:
                return str(cap.get("endpoint") or "")
        return None

    async def start(self) -> None:
        """Load what the provider needs (capabilities, keys); never raises."""
        return None

    async def stop(self) -> None:
        """Release connections."""
        return None

    async def available(self) -> bool:
        """True when the provider answers now (upstream's availability stream)."""
        return True

    @abc.abstractmethod
    async def authenticate(self, *, token: str | None) -> Session | None:
        """The session of a token, or None when it is missing, invalid or expired."""

    @abc.abstractmethod
    async def user_details(self, session: User, creds: Credentials) -> dict[str, Any]:
        """The user profile as upstream answers ``GET /api/user``."""

    @abc.abstractmethod
    async def user_by_id(self, user_id: str, creds: Credentials) -> dict[str, Any] | None:
        """Another user's profile, or None when unknown."""

    async def capabilities_for(self, user: User, creds: Credentials) -> dict[str, Any]:
        """Capabilities as seen by one user (remote providers may tailor them)."""
        return self.properties()

    @abc.abstractmethod
    def login(self, *, callback_url: str, ref: str, has_session: bool) -> LoginStart:
        """Where to send a browser that asked to log in."""

    async def logout(self, creds: Credentials, *, session_cookie: str | None) -> None:
        """End the session at the provider (remote providers); local: nothing to do."""
        return None

    async def sync_preferences(self, creds: Credentials, preferences: dict[str, Any]) -> bool:
        """Send the user's preferences to the provider; True when it took them."""
        return False

    async def publish_result(self, creds: Credentials, result: dict[str, Any], *, profile_id: str | None) -> str | None:
        """Upstream ``PublishResults``: hand a load-test result to a provider with ``persist-results``;
        the provider's id for it, or None (not offered, or refused)."""
        return None
