"""Adapter locations: what is accepted, how it is normalized, and why the rest is rejected."""

from __future__ import annotations

import pytest

from meshery.adapters import address


@pytest.mark.parametrize(
    ("raw", "normal"),
    [
        ("localhost:10000", "localhost:10000"),
        ("10020", "localhost:10020"),
        (" meshery-istio:10000 ", "meshery-istio:10000"),
        ("127.0.0.1:1", "127.0.0.1:1"),
        ("[::1]:65535", "[::1]:65535"),
        ("adapter.mesh.svc.cluster.local:10007", "adapter.mesh.svc.cluster.local:10007"),
    ],
)
def test_valid_locations(raw: str, normal: str) -> None:
    assert address.normalize(raw) == normal


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("", "empty"),
        ("grpc://localhost:10000", "scheme"),
        ("localhost:10000/x", "scheme"),
        ("localhost", "host:port"),
        (":10000", "host:port"),
        ("localhost:0", "port"),
        ("localhost:65536", "port"),
        ("localhost:ab", "port"),
        ("bad host:1", "host name"),
        ("-x:1", "host name"),
        ("[::1:1", "IPv6"),
        ("[zz]:1", "IPv6"),
    ],
)
def test_invalid_locations_say_why(raw: str, reason: str) -> None:
    with pytest.raises(address.InvalidLocation, match=reason):
        address.parse(raw)


def test_loopback() -> None:
    assert address.parse("localhost:1").is_loopback
    assert address.parse("127.0.0.2:1").is_loopback
    assert address.parse("[::1]:1").is_loopback
    assert not address.parse("10.1.2.3:1").is_loopback
    assert not address.parse("meshery-istio:1").is_loopback
