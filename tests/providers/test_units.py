"""Units of the provider package: token parsing, ref decoding, provider selection."""

from __future__ import annotations

import base64

from meshery.config import Settings
from meshery.providers import LocalProvider, ProviderRegistry, RemoteProvider, tokens
from meshery.providers.flow import decode_ref


def test_cookie_tokens_and_bare_jwts_are_parsed() -> None:
    cookie = tokens.encode("a.b.c", refresh_token="r1")
    assert tokens.parse(cookie) == tokens.TokenPair("a.b.c", "r1")
    assert tokens.parse("x.y.z") == tokens.TokenPair("x.y.z")
    assert tokens.parse("%%%not base64") == tokens.TokenPair("%%%not base64")
    not_a_token = base64.b64encode(b'{"user": 1}').decode()
    assert tokens.parse(not_a_token).refresh_token is None


def test_ref_is_a_local_path_or_nothing() -> None:
    def enc(text: str) -> str:
        return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")

    assert decode_ref(enc("/api/user?x=1")) == "/api/user?x=1"
    for bad in (enc("https://evil.example/"), enc("//evil.example"), enc("/\\evil"), "***", "", None):
        assert decode_ref(bad) is None


def test_selection_rules() -> None:
    local_only = ProviderRegistry.from_settings(Settings())
    assert isinstance(local_only.for_request(None), LocalProvider)
    assert local_only.for_request("Unknown") is None

    both = ProviderRegistry.from_settings(Settings(provider_base_urls=("http://p.example:1",)))
    assert both.for_request(None) is None  # upstream: choose at /provider
    assert isinstance(both.for_request("None"), LocalProvider)
    assert isinstance(both.for_request("p.example:1"), RemoteProvider)  # by host until capabilities load

    enforced = ProviderRegistry.from_settings(Settings(provider_base_urls=("http://p.example:1",), provider="None"))
    assert isinstance(enforced.for_request("p.example:1"), LocalProvider)

    playground = ProviderRegistry.from_settings(Settings(provider_base_urls=("http://p.example:1",), playground=True))
    assert list(playground.all()) == ["p.example:1"]
    assert isinstance(playground.for_request("None"), RemoteProvider)


def test_same_named_providers_are_told_apart_by_host() -> None:
    registry = ProviderRegistry.from_settings(Settings(provider_base_urls=("http://a.example", "http://b.example")))
    for provider in registry.providers:
        if isinstance(provider, RemoteProvider):
            provider._properties = {"providerName": "Meshery", "capabilities": []}
    assert set(registry.all()) == {"None", "Meshery", "b.example"}


def test_provider_settings_from_the_environment() -> None:
    import pytest

    from meshery.config import ConfigError

    s = Settings.from_env({"OS": "linux", "MESHERY_SERVER_CALLBACK_URL": "https://meshery.example/"})
    assert (s.os_name, s.meshery_server_callback_url) == ("linux", "https://meshery.example")
    with pytest.raises(ConfigError) as info:
        Settings.from_env({"MESHERY_SERVER_CALLBACK_URL": "meshery.example"})
    assert info.value.variable == "MESHERY_SERVER_CALLBACK_URL"


def test_token_values_are_redacted_from_log_records() -> None:
    import logging

    from meshery import logs

    record = logging.LogRecord(
        "uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:1", "GET", "/api/user/token?token=eyJsecret.part&ref=Lw", "1.1", 302), None,
    )
    assert logs.redact(record)
    assert "eyJsecret" not in record.getMessage() and "token=[redacted]&ref=Lw" in record.getMessage()
    plain = logging.LogRecord("x", logging.INFO, __file__, 1, "nothing %s", ("here",), None)
    assert logs.redact(plain) and plain.getMessage() == "nothing here"


async def test_remote_sessions_against_a_known_key_without_network() -> None:
    import json
    import time

    import jwt
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
    provider = RemoteProvider("http://p.example:1", build="v1")

    async def keys() -> dict[str, object]:
        return {"keys": [{**jwk, "kid": "k1"}]}

    provider.verifier = tokens.JwksVerifier(keys)

    def sign(claims: dict[str, object]) -> str:
        return jwt.encode(claims, key, algorithm="RS256", headers={"kid": "k1"})

    now = int(time.time())
    good = await provider.authenticate(token=sign({"user_id": "u1", "exp": now + 60}))
    assert good is not None and good.user.user_id == "u1" and good.user.provider == "p.example:1"
    assert await provider.authenticate(token=sign({"sub": "u2"})) is not None  # no exp: never expires (upstream)
    assert await provider.authenticate(token=sign({"exp": now + 60})) is None  # names nobody
    assert await provider.authenticate(token=sign({"user_id": "u1", "exp": now - 5})) is None  # expired, no refresh
    assert await provider.authenticate(token=None) is None
