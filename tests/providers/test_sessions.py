"""Remote sessions: tokens verified locally (RS256 + JWKS + exp), refreshed, revoked at logout."""

from __future__ import annotations

import base64
import json

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

from generated import errors
from tests.fixtures.remote_provider import RemoteProviderProcess
from tests.providers.conftest import RemoteClient

ENFORCED = {"provider": "Reference"}


def _access(cookie_value: str) -> str:
    raw = base64.b64decode(cookie_value + "=" * (-len(cookie_value) % 4))
    token: str = json.loads(raw)["access_token"]
    return token


def _cookie(token: str) -> dict[str, str]:
    return {"Cookie": f"meshery-provider=Reference; token={token}"}


async def test_a_valid_token_reaches_the_user(
    remote_client: RemoteClient, remote_provider: RemoteProviderProcess
) -> None:
    token = remote_provider.issue("alice")
    async with remote_client(**ENFORCED) as http:
        by_cookie = await http.get("/api/user", headers=_cookie(token))
        by_bearer = await http.get("/api/user", headers={"Authorization": f"Bearer {_access(token)}"})
    assert by_cookie.status_code == 200, by_cookie.text
    assert by_cookie.json()["user_id"] == "alice" and by_cookie.json()["provider"] == "Reference"
    assert by_bearer.status_code == 200 and by_bearer.json()["user_id"] == "alice"


async def test_expired_token_without_refresh_is_rejected(
    remote_client: RemoteClient, remote_provider: RemoteProviderProcess
) -> None:
    expired = _access(remote_provider.issue("bob", ttl=-60))
    async with remote_client(**ENFORCED) as http:
        response = await http.get("/api/user", headers={"Authorization": f"Bearer {expired}"})
    assert response.status_code == 401 and response.json()["code"] == errors.ErrUnauthenticated.code


async def test_expired_token_is_refreshed_and_the_cookie_replaced(
    remote_client: RemoteClient, remote_provider: RemoteProviderProcess
) -> None:
    expired = remote_provider.issue("carol", ttl=-60)
    before = remote_provider.stats()["refresh"]
    async with remote_client(**ENFORCED) as http:
        response = await http.get("/api/user", headers=_cookie(expired))
        assert response.status_code == 200 and response.json()["user_id"] == "carol"
        new = response.cookies.get("token")
        assert new and new != expired
        assert "httponly" in response.headers["set-cookie"].lower()
        again = await http.get("/api/user", headers=_cookie(new))
        assert again.status_code == 200
        # The old refresh token was used up: the provider refuses it a second time.
        replay = await http.get("/api/user", headers=_cookie(expired))
        assert replay.status_code == 401
    assert remote_provider.stats()["refresh"] == before + 2


async def test_tampered_token_is_rejected(remote_client: RemoteClient, remote_provider: RemoteProviderProcess) -> None:
    access = _access(remote_provider.issue("dave"))
    header, payload, signature = access.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["user_id"] = claims["sub"] = "admin"
    forged_payload = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
    tampered = f"{header}.{forged_payload}.{signature}"
    async with remote_client(**ENFORCED) as http:
        response = await http.get("/api/user", headers={"Authorization": f"Bearer {tampered}"})
    assert response.status_code == 401


async def test_token_signed_with_another_key_is_rejected(
    remote_client: RemoteClient, remote_provider: RemoteProviderProcess
) -> None:
    genuine = _access(remote_provider.issue("erin"))
    kid = jwt.get_unverified_header(genuine)["kid"]
    claims = jwt.decode(genuine, options={"verify_signature": False})
    other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    same_kid = jwt.encode(claims, other_key, algorithm="RS256", headers={"kid": kid})
    unknown_kid = jwt.encode(claims, other_key, algorithm="RS256", headers={"kid": "not-a-provider-key"})
    hmac = jwt.encode(claims, "secret-of-nobody-at-all-32-bytes!", algorithm="HS256", headers={"kid": kid})
    async with remote_client(**ENFORCED) as http:
        for forged in (same_kid, unknown_kid, hmac, "not-a-token"):
            response = await http.get("/api/user", headers={"Authorization": f"Bearer {forged}"})
            assert response.status_code == 401, forged


async def test_logout_revokes_the_session(remote_client: RemoteClient, remote_provider: RemoteProviderProcess) -> None:
    token = remote_provider.issue("frank")
    before = remote_provider.stats()["logout"]
    async with remote_client(**ENFORCED) as http:
        assert (await http.get("/api/user", headers=_cookie(token))).status_code == 200
        out = await http.get("/user/logout", headers=_cookie(token))
        assert out.status_code == 302 and out.headers["location"] == "/provider"
        assert 'token=""' in out.headers["set-cookie"] or "token=;" in out.headers["set-cookie"]
        assert (await http.get("/api/user", headers=_cookie(token))).status_code == 401
    assert remote_provider.stats()["logout"] == before + 1


async def test_provider_401_is_answered_by_one_refresh(
    remote_client: RemoteClient, remote_provider: RemoteProviderProcess
) -> None:
    token = remote_provider.issue("kim")
    before = remote_provider.stats()["refresh"]
    async with remote_client(**ENFORCED) as http:
        remote_provider.reject_next(1)
        response = await http.get("/api/user", headers=_cookie(token))
        assert response.status_code == 200 and response.json()["user_id"] == "kim"
        assert response.cookies.get("token") not in (None, token)
        # A provider that keeps refusing ends in 401, not in a loop.
        remote_provider.reject_next(5)
        refused = await http.get("/api/user", headers=_cookie(response.cookies["token"]))
        assert refused.status_code == 401
        remote_provider.reject_next(0)
    assert remote_provider.stats()["refresh"] == before + 2


async def test_logout_reaches_other_replicas_through_the_database(
    remote_client: RemoteClient, remote_provider: RemoteProviderProcess
) -> None:
    """Two servers on one database: a logout on the first is honoured by the second."""
    token = remote_provider.issue("lena")
    async with remote_client(**ENFORCED) as first, remote_client(**ENFORCED) as second:
        assert (await first.get("/user/logout", headers=_cookie(token))).status_code == 302
        response = await second.get("/api/user", headers=_cookie(token))
        assert response.status_code == 401
        other = remote_provider.issue("lena")
        assert (await second.get("/api/user", headers=_cookie(other))).status_code == 200

