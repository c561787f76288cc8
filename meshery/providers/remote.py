"""A remote provider reached over HTTP (upstream ``RemoteProvider``).

Protocol (reference §4.2): capabilities from
``GET <url>/<BUILD>/capabilities?os=&playground=`` (or a local file), login by
redirecting the browser to ``<url>/login?source=&ref=...``, sessions verified
locally as RS256 JWTs against ``<url>/keys``, refresh through
``POST <url>/refresh`` (``{"token": old}`` -> ``{"token": new}``) when a token
has expired or the provider answers 401/403, logout at ``<url>/logout``, user
details from the ``users-profile`` capability and preference sync to the
``sync-prefs`` capability (PUT, 201).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import logging
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

import httpx
import jwt

from generated import errors
from meshery.context import Credentials, Session, User
from meshery.providers import tokens
from meshery.providers.base import REMOTE, BaseProvider, LoginStart
from meshery.providers.revocations import Revocations

log = logging.getLogger(__name__)

REQUEST_TIMEOUT = 10.0
CAPABILITY_ATTEMPTS = 10
CAPABILITY_DELAY = 3.0
# Per-user capabilities are cached this long (upstream persists them per user).
USER_CAPABILITIES_TTL = 300.0
REF_COOKIE_SECONDS = 3600


def b64url(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


class RemoteProvider(BaseProvider):
    provider_type = REMOTE

    def __init__(
        self,
        url: str,
        *,
        build: str,
        os_name: str = "meshery",
        playground: bool = False,
        capabilities_file: Path | None = None,
        client: httpx.AsyncClient | None = None,
        attempts: int = CAPABILITY_ATTEMPTS,
        delay: float = CAPABILITY_DELAY,
    ) -> None:
        self.url = url.rstrip("/")
        self.host = urlsplit(self.url).netloc
        self.build = build
        self.os_name = os_name
        self.playground = playground
        self.capabilities_file = capabilities_file
        self.attempts = max(1, attempts)
        self.delay = delay
        self._client = client
        self._own_client = client is None
        self._properties: dict[str, Any] = {}
        self._user_caps: dict[str, tuple[float, dict[str, Any]]] = {}
        self._revoked: dict[str, float] = {}  # access tokens logged out here -> their exp
        self.revocations: Revocations | None = None  # logouts of every replica (set by the registry)
        self._loading: asyncio.Task[None] | None = None
        self.verifier = tokens.JwksVerifier(self._fetch_keys)
        # Upstream names it <host>_ref; a port's colon is not allowed in a cookie name.
        self.ref_cookie = f"{self.host.replace(':', '_')}_ref"

    # --- identity -------------------------------------------------------------

    @property
    def name(self) -> str:  # type: ignore[override]
        """``providerName`` from the capabilities; the URL host until they are loaded."""
        return str(self._properties.get("providerName") or self.host)

    @property
    def loaded(self) -> bool:
        return bool(self._properties)

    def properties(self) -> dict[str, Any]:
        if self._properties:
            return self._properties
        return {
            "providerType": REMOTE,
            "providerName": self.name,
            "providerUrl": self.url,
            "providerDescription": [],
            "capabilities": [],
            "extensions": {},
        }

    @property
    def client(self) -> httpx.AsyncClient:
        if self._client is None:
            self._client = httpx.AsyncClient(timeout=REQUEST_TIMEOUT)
        return self._client

    async def start(self) -> None:
        """Load the capabilities once (one attempt); retries continue in the background."""
        if await self._load_once():
            return
        if self.attempts > 1 and self._loading is None:
            self._loading = asyncio.create_task(self._load_with_retries())

    async def stop(self) -> None:
        if self._loading is not None:
            self._loading.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._loading
            self._loading = None
        if self._own_client and self._client is not None:
            await self._client.aclose()
            self._client = None

    async def _load_with_retries(self) -> None:
        for attempt in range(2, self.attempts + 1):
            await asyncio.sleep(self.delay)
            if await self._load_once():
                log.info("provider %s: capabilities loaded on attempt %d", self.url, attempt)
                return
        log.warning("provider %s: capabilities not loaded after %d attempts", self.url, self.attempts)

    async def _load_once(self) -> bool:
        try:
            props = await self._read_capabilities(None)
        except errors.MesheryError as exc:
            log.warning("provider %s: %s: %s", self.url, exc.code, exc.message)
            return False
        self._properties = props
        count = len(props.get("capabilities") or [])
        log.info("provider %s loaded as %r (%d capabilities)", self.url, self.name, count)
        return True

    async def _read_capabilities(self, access_token: str | None) -> dict[str, Any]:
        if self.capabilities_file is not None:
            try:
                data = json.loads(self.capabilities_file.read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                raise errors.ErrCapabilitiesFile(f"{self.capabilities_file}: {type(exc).__name__}") from None
            if not isinstance(data, dict):
                raise errors.ErrCapabilitiesFile(f"{self.capabilities_file}: not a JSON object")
        else:
            query = urlencode({"os": self.os_name, "playground": str(self.playground).lower()})
            headers = {"Authorization": f"bearer {access_token}"} if access_token else {}
            data = await self._get_json(f"/{self.build}/capabilities?{query}", headers=headers)
        data = dict(data)
        data["providerUrl"] = self.url
        data.setdefault("providerType", REMOTE)
        data.setdefault("providerName", self.host)
        return data

    async def available(self) -> bool:
        try:
            response = await self.client.get(f"{self.url}/keys", timeout=3.0)
        except httpx.HTTPError:
            return False
        return response.status_code == 200

    # --- HTTP helpers ----------------------------------------------------------

    async def _send(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        try:
            return await self.client.request(method, f"{self.url}{path}", **kwargs)
        except httpx.HTTPError as exc:
            raise errors.ErrProviderUnavailable(f"{self.url}: {type(exc).__name__}") from None

    async def _get_json(self, path: str, *, headers: dict[str, str] | None = None) -> dict[str, Any]:
        response = await self._send("GET", path, headers=headers or {})
        return self._json(response, path)

    def _json(self, response: httpx.Response, path: str) -> dict[str, Any]:
        where = path.split("?", maxsplit=1)[0]
        if response.status_code != 200:
            raise errors.ErrProviderResponse(f"{self.url}{where} answered {response.status_code}")
        try:
            data = response.json()
        except ValueError:
            data = None
        if not isinstance(data, dict):
            raise errors.ErrProviderResponse(f"{self.url}{where} did not answer a JSON object")
        return data

    async def _fetch_keys(self) -> dict[str, Any]:
        return await self._get_json("/keys")

    async def _authorized(self, method: str, path: str, creds: Credentials, **kwargs: Any) -> httpx.Response:
        """A call with the user's bearer token; refreshed once on 401/403 (upstream ``DoRequest``)."""
        if not creds.token:
            raise errors.ErrUnauthenticated("no session token")
        for attempt in (1, 2):
            access = tokens.parse(creds.token).access_token
            response = await self._send(method, path, headers={"Authorization": f"bearer {access}"}, **kwargs)
            if response.status_code not in (401, 403):
                return response
            if attempt == 2:
                break
            new = await self.refresh(creds.token)
            if new is None:
                raise errors.ErrUnauthenticated("the provider no longer accepts the session")
            creds.replace(new)
        raise errors.ErrUnauthenticated("the provider does not accept the session, even refreshed")

    # --- sessions --------------------------------------------------------------

    async def refresh(self, token: str) -> str | None:
        """A new token for an old one (``POST /refresh``), or None when refused."""
        try:
            response = await self._send("POST", "/refresh", json={"token": token})
        except errors.ErrProviderUnavailable:
            return None
        if response.status_code != 200:
            log.info("provider %s refused to refresh a session (%d)", self.url, response.status_code)
            return None
        try:
            new = response.json().get("token")
        except (ValueError, AttributeError):
            return None
        return new if isinstance(new, str) and new else None

    async def authenticate(self, *, token: str | None) -> Session | None:
        if not token:
            return None
        pair = tokens.parse(token)
        if pair.access_token in self._revoked:
            return None
        recently_verified = self.verifier.is_cached(pair.access_token)
        try:
            claims = await self.verifier.verify(pair.access_token)
        except tokens.TokenInvalid:
            return None
        except tokens.TokenExpired:
            if pair.refresh_token is None:
                return None
            new = await self.refresh(token)
            if new is None:
                return None
            try:
                claims = await self.verifier.verify(tokens.parse(new).access_token)
            except (tokens.TokenInvalid, tokens.TokenExpired):
                return None
            user = self._user(claims)
            return Session(user=user, token=new, refreshed=True) if user.user_id else None
        if not self._user(claims).user_id:
            return None  # a token naming nobody is no session
        if not recently_verified and self.revocations is not None and await self.revocations.is_revoked(
            pair.access_token
        ):
            self.verifier.forget(pair.access_token)
            return None
        return Session(user=self._user(claims), token=token)

    def _user(self, claims: dict[str, Any]) -> User:
        return User(
            user_id=str(claims.get("user_id") or claims.get("sub") or ""),
            first_name=str(claims.get("first_name") or ""),
            last_name=str(claims.get("last_name") or ""),
            email=str(claims.get("email") or ""),
            avatar_url=str(claims.get("avatar_url") or ""),
            provider=self.name,
        )

    def login(self, *, callback_url: str, ref: str, has_session: bool) -> LoginStart:
        if has_session:
            return LoginStart(location="/")
        query = urlencode(
            {
                "source": b64url(callback_url),
                "provider_version": self.properties().get("packageVersion", ""),
                "meshery_version": self.build,
                "ref": b64url(ref or "/"),
            }
        )
        return LoginStart(location=f"{self.url}/login?{query}", cookies=((self.ref_cookie, "/", REF_COOKIE_SECONDS),))

    async def logout(self, creds: Credentials, *, session_cookie: str | None) -> None:
        if not creds.token:
            return
        pair = tokens.parse(creds.token)
        cookies = {"return_to": "provider_ui"}
        if session_cookie:
            cookies["session_cookie"] = session_cookie
        try:
            cookie_header = "; ".join(f"{k}={v}" for k, v in cookies.items())
            response = await self._send(
                "POST",
                "/logout",
                headers={"Authorization": f"bearer {pair.access_token}", "Cookie": cookie_header},
                json={"token": creds.token},
            )
        except errors.ErrProviderUnavailable as exc:
            log.warning("provider %s: logout not forwarded: %s", self.url, exc.code)
        else:
            if response.status_code not in (200, 302):
                log.warning("provider %s: logout answered %d", self.url, response.status_code)
        # Until it expires, the JWT would still verify locally: remember it, here and for other replicas.
        self.verifier.forget(pair.access_token)
        if self.revocations is not None:
            exp = _unverified_exp(pair.access_token)
            await self.revocations.revoke(pair.access_token, exp=exp)
        now = time.time()
        self._revoked = {t: exp for t, exp in self._revoked.items() if exp > now}
        self._revoked[pair.access_token] = now + 86400

    # --- users, capabilities, preferences -----------------------------------------

    async def user_details(self, session: User, creds: Credentials) -> dict[str, Any]:
        endpoint = self.endpoint("users-profile")
        if endpoint is None:
            return asdict(session)
        response = await self._authorized("GET", endpoint, creds)
        data = self._json(response, endpoint)
        data.setdefault("provider", self.name)
        return data

    async def user_by_id(self, user_id: str, creds: Credentials) -> dict[str, Any] | None:
        endpoint = self.endpoint("users-profile")
        if endpoint is None:
            return None
        path = f"{endpoint.rstrip('/')}/{quote(user_id, safe='')}"  # an id, never a query or a path
        response = await self._authorized("GET", path, creds)
        if response.status_code == 404:
            return None
        return self._json(response, endpoint)

    async def capabilities_for(self, user: User, creds: Credentials) -> dict[str, Any]:
        cached = self._user_caps.get(user.user_id)
        if cached is not None and cached[0] > time.monotonic():
            return cached[1]
        access = tokens.parse(creds.token).access_token if creds.token else None
        props = await self._read_capabilities(access)
        self._user_caps[user.user_id] = (time.monotonic() + USER_CAPABILITIES_TTL, props)
        if not self._properties:
            self._properties = props
        return props

    async def sync_preferences(self, creds: Credentials, preferences: dict[str, Any]) -> bool:
        endpoint = self.endpoint("sync-prefs")
        if endpoint is None:
            return False
        try:
            response = await self._authorized("PUT", endpoint, creds, json=preferences)
        except errors.MesheryError as exc:
            log.warning("provider %s: preferences not synced: %s", self.url, exc.code)
            return False
        if response.status_code not in (200, 201):
            log.warning("provider %s: preference sync answered %d", self.url, response.status_code)
            return False
        return True

    async def publish_result(self, creds: Credentials, result: dict[str, Any], *, profile_id: str | None) -> str | None:
        endpoint = self.endpoint("persist-results")
        if not endpoint:
            return None
        params = {"profile_id": profile_id} if profile_id else None
        try:
            response = await self._authorized("POST", endpoint, creds, json=result, params=params)
        except errors.MesheryError as exc:
            log.warning("provider %s: result not published: %s", self.url, exc.code)
            return None
        if response.status_code not in (200, 201):
            log.warning("provider %s: result publishing answered %d", self.url, response.status_code)
            return None
        try:
            return str(response.json().get("id") or "") or None
        except ValueError:
            return None

    # --- identity (organizations, teams, users, keys) ----------------------------

    async def forward(
        self,
        method: str,
        path: str,
        creds: Credentials,
        *,
        params: dict[str, str] | None = None,
        body: Any = None,
    ) -> httpx.Response:
        """A user's request passed on to the provider with the user's token (refreshed once on
        401/403, as upstream): identity calls and ``/api/extensions`` proxying both go through it.

        ``path`` is the provider path (it may carry a raw query string); the answer is the
        provider's, unread.
        """
        kwargs: dict[str, Any] = {} if params is None else {"params": params}
        if body is not None:
            kwargs["json"] = body
        return await self._authorized(method, path, creds, **kwargs)


@dataclass(frozen=True)
class Forwarded:
    """A remote provider's answer to a forwarded request, passed on unchanged (``body`` is the
    provider's bytes, empty for 204)."""

    status: int
    body: bytes


def _unverified_exp(access_token: str) -> float | None:
    """The ``exp`` of a token this provider already accepted (only used to bound a revocation record)."""
    try:
        exp = jwt.decode(access_token, options={"verify_signature": False}).get("exp")
    except jwt.InvalidTokenError:
        return None
    return float(exp) if isinstance(exp, int | float) else None
