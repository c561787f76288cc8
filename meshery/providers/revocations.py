"""Remote sessions ended by logout, shared by every replica through the database.

A logged-out JWT still verifies until its ``exp``; each replica asks here
before accepting a token it has not verified recently (verified tokens are
remembered for up to a minute, so a logout on one replica reaches the others
within that time; on the replica that served it, at once).
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

from meshery.store import Store
from meshery.store import users as store_users

# When a token carries no exp, remember its logout this long.
DEFAULT_LIFETIME = timedelta(days=1)


def token_hash(access_token: str) -> str:
    return hashlib.sha256(access_token.encode()).hexdigest()


class Revocations:
    def __init__(self, store: Store) -> None:
        self.store = store

    async def revoke(self, access_token: str, *, exp: float | None) -> None:
        until = datetime.fromtimestamp(exp, UTC) if exp else datetime.now(UTC) + DEFAULT_LIFETIME
        await store_users.revoke(self.store, token_hash=token_hash(access_token), expires_at=until)

    async def is_revoked(self, access_token: str) -> bool:
        return await store_users.is_revoked(self.store, token_hash=token_hash(access_token))
