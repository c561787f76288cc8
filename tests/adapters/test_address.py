"""Adapter locations: what is accepted, how it is normalized, and why the rest is rejected."""

from __future__ import annotations

import pytest

from meshery import adapter_address as address


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
        ("[]:1", "IPv6"),
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


def test_schema_pattern_and_parser_agree() -> None:
    """What the API schema lets through, the parser accepts (so valid input never gets a 400)."""
    import re

    import yaml

    from tests.fixtures.contract import SPEC_PATH

    spec = yaml.safe_load(SPEC_PATH.read_text())
    pattern = re.compile(spec["components"]["schemas"]["AdapterLocation"]["pattern"])
    samples = ["1", "65535", "localhost:10000", "a.b-c.d:80", "0:1", "[::1]:1", "[::::]:9", "x" * 63 + ":1"]
    for sample in samples:
        assert pattern.match(sample), sample
        address.parse(sample)
    for bad in ["0", "65536", "localhost:0", "a..b:1", "-a:1", "a:01", "http://a:1", "[]:1"]:
        assert not pattern.match(bad), bad
