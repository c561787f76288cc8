"""Remote session tokens: the cookie format and local RS256 verification.

Upstream keeps a remote session in the ``token`` cookie as base64 (standard
alphabet, no padding) of a JSON OAuth2 token ``{access_token, token_type,
refresh_token, expiry}``; the access token is a JWT signed with RS256 whose
keys the provider publishes at ``/keys`` (JWKS). A bare JWT (as sent in an
``Authorization: Bearer`` header) is accepted too.

Token values are secrets: nothing here logs them or puts them in errors.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import jwt

log = logging.getLogger(__name__)

ALGORITHMS = ["RS256"]
# A token signed with a key we do not know yet makes us re-read the JWKS,
# but not more often than this (a stream of forged tokens must not turn
# into a stream of requests to the provider).
JWKS_REFETCH_SECONDS = 30.0
# Verified tokens are remembered briefly (RS256 verification is most of a
# remote session's cost per request); never past their own exp.
VERIFIED_TTL = 60.0
VERIFIED_MAX = 4096


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    refresh_token: str | None = None


def _b64decode(value: str) -> bytes:
    padded = value + "=" * (-len(value) % 4)
    try:
        return base64.b64decode(padded, altchars=b"-_" if ("-" in value or "_" in value) else None, validate=True)
    except (binascii.Error, ValueError):
        return b""


def parse(value: str) -> TokenPair:
    """The access (and refresh) token inside a cookie value or bearer token."""
    if value.count(".") == 2:
        return TokenPair(access_token=value)
    raw = _b64decode(value)
    try:
        data = json.loads(raw) if raw else None
    except (ValueError, UnicodeDecodeError):
        data = None
    if isinstance(data, dict) and isinstance(data.get("access_token"), str):
        refresh = data.get("refresh_token")
        return TokenPair(access_token=data["access_token"], refresh_token=refresh if isinstance(refresh, str) else None)
    return TokenPair(access_token=value)


def encode(access_token: str, *, refresh_token: str = "", expiry: str = "") -> str:
    """The cookie value for a token pair (upstream's encoding)."""
    body = {"access_token": access_token, "token_type": "bearer", "refresh_token": refresh_token, "expiry": expiry}
    return base64.b64encode(json.dumps(body, separators=(",", ":")).encode()).decode().rstrip("=")


class TokenExpired(Exception):
    """The token's signature is good but its ``exp`` has passed."""


class TokenInvalid(Exception):
    """Not a token of this provider: bad format, signature, key or algorithm."""


class JwksVerifier:
    """Verifies RS256 JWTs against a provider's JWKS, fetched and cached lazily."""

    def __init__(self, fetch: Callable[[], Awaitable[dict[str, Any]]], *, leeway: float = 0.0) -> None:
        self._fetch = fetch
        self._keys: dict[str, jwt.PyJWK] = {}
        self._fetched_at: float | None = None
        self.leeway = leeway
        self._verified: dict[str, tuple[float, dict[str, Any]]] = {}

    async def refresh_keys(self) -> None:
        data = await self._fetch()
        keys: dict[str, jwt.PyJWK] = {}
        for entry in data.get("keys") or []:
            try:
                key = jwt.PyJWK.from_dict(entry)
            except (jwt.PyJWKError, jwt.InvalidKeyError, TypeError, ValueError):
                continue
            keys[str(entry.get("kid") or "")] = key
        self._keys = keys
        self._fetched_at = time.monotonic()
        log.info("provider signing keys loaded: %d", len(keys))

    async def _key_for(self, kid: str) -> jwt.PyJWK | None:
        stale = self._fetched_at is None or time.monotonic() - self._fetched_at > JWKS_REFETCH_SECONDS
        if (kid not in self._keys or not self._keys) and stale:
            try:
                await self.refresh_keys()
            except Exception as exc:  # the provider being away is not a reason to crash a request
                log.warning("cannot load the provider's signing keys: %s", type(exc).__name__)
        if kid in self._keys:
            return self._keys[kid]
        if not kid and len(self._keys) == 1:
            return next(iter(self._keys.values()))
        return None

    async def verify(self, access_token: str) -> dict[str, Any]:
        """The claims of a valid token; raises TokenExpired or TokenInvalid."""
        cached = self._verified.get(access_token)
        if cached is not None:
            if cached[0] > time.time():
                return cached[1]
            del self._verified[access_token]
        claims = await self._verify(access_token)
        until = time.time() + VERIFIED_TTL
        exp = claims.get("exp")
        if isinstance(exp, int | float):
            until = min(until, float(exp))
        if len(self._verified) >= VERIFIED_MAX:
            self._verified.clear()
        self._verified[access_token] = (until, claims)
        return claims

    def is_cached(self, access_token: str) -> bool:
        cached = self._verified.get(access_token)
        return cached is not None and cached[0] > time.time()

    def forget(self, access_token: str) -> None:
        self._verified.pop(access_token, None)

    async def _verify(self, access_token: str) -> dict[str, Any]:
        try:
            header = jwt.get_unverified_header(access_token)
        except jwt.InvalidTokenError:
            raise TokenInvalid("malformed") from None
        if header.get("alg") not in ALGORITHMS:
            raise TokenInvalid("algorithm")
        key = await self._key_for(str(header.get("kid") or ""))
        if key is None:
            raise TokenInvalid("unknown key")
        try:
            claims: dict[str, Any] = jwt.decode(
                access_token,
                key=key.key,
                algorithms=ALGORITHMS,
                leeway=self.leeway,
                # A token without exp never expires (upstream); aud is not checked upstream.
                options={"verify_aud": False, "require": []},
            )
        except jwt.ExpiredSignatureError:
            raise TokenExpired() from None
        except jwt.InvalidTokenError:
            raise TokenInvalid("signature or claims") from None
        return claims
