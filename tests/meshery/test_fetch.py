"""The one fetcher of user-given URLs: address policy after resolution (fake resolver), pinned
connections, redirects hop by hop, total deadline, streamed size limit, spooling, the test fence."""

from __future__ import annotations

import ipaddress
from pathlib import Path

import pytest

from meshery import fetch
from meshery.config import ConfigError, Settings
from meshery.fetch import FetchError, Policy
from tests.fixtures.fetch_fence import TEST_FETCH_ALLOW
from tests.security import sources


class FakeResolver:
    """Names to addresses, without any lookup; records what it was asked."""

    def __init__(self, table: dict[str, list[str]]) -> None:
        self.table = table
        self.asked: list[str] = []

    async def __call__(self, host: str, port: int) -> list[str]:
        self.asked.append(host)
        if host not in self.table:
            raise OSError("no such name")
        return self.table[host]


def fence_with(*names: str) -> None:
    """The suite's fence, plus names that the fake resolver maps (to loopback, in these tests)."""
    fetch.set_fence(Policy.parse((*TEST_FETCH_ALLOW, *names), allow_only=True))


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("93.184.216.34", True),
        ("2606:4700::1111", True),
        ("127.0.0.1", False),
        ("127.8.9.10", False),
        ("::1", False),
        ("10.1.2.3", False),
        ("172.16.0.1", False),
        ("192.168.1.1", False),
        ("169.254.169.254", False),  # cloud metadata
        ("fe80::1", False),
        ("fc00::1", False),
        ("100.64.0.1", False),  # carrier-grade NAT
        ("224.0.0.1", False),
        ("ff02::1", False),
        ("0.0.0.0", False),
        ("::", False),
        ("240.0.0.1", False),  # reserved
        ("255.255.255.255", False),
        ("::ffff:127.0.0.1", False),  # IPv4-mapped loopback
        ("::ffff:10.0.0.1", False),
        ("64:ff9b::a9fe:a9fe", False),  # NAT64 of 169.254.169.254
    ],
)
def test_public_addresses(address: str, public: bool) -> None:
    assert fetch.is_public(ipaddress.ip_address(address)) is public


def test_allow_list_entries() -> None:
    policy = Policy.parse(["10.0.0.0/8", "127.0.0.1:8080", "[::1]:9090", "Prometheus.Svc.", "grafana:3000"])
    ip = ipaddress.ip_address
    assert policy.permits("x", ip("10.9.9.9"), 1)
    assert policy.permits("x", ip("127.0.0.1"), 8080) and not policy.permits("x", ip("127.0.0.1"), 8081)
    assert policy.permits("x", ip("::1"), 9090) and not policy.permits("x", ip("::1"), 80)
    assert policy.permits("prometheus.svc", ip("192.168.0.1"), 9090)
    assert policy.permits("grafana", ip("10.0.0.1"), 3000) and not policy.permits("grafana", ip("172.16.0.1"), 80)
    assert policy.permits("x", ip("93.184.216.34"), 80)  # public stays allowed
    only = Policy.parse(["10.0.0.0/8"], allow_only=True)
    assert not only.permits("x", ip("93.184.216.34"), 80) and only.permits("x", ip("10.0.0.1"), 80)
    assert not only.may_resolve("anything.example") and Policy().may_resolve("anything.example")
    for bad in ["", "10.0.0.0/33", "host:99999", "host:x", "[::1", "a..b", "http://x/y"]:
        with pytest.raises(ValueError):
            fetch.Rule.parse(bad)


@pytest.mark.parametrize("url", ["ftp://127.0.0.1/x", "file:///etc/passwd", "gopher://h/", "//h/x", "http:///x", "x"])
async def test_only_http_urls(url: str) -> None:
    with pytest.raises(FetchError):
        await fetch.request(url, limit=100)


async def test_private_addresses_are_refused_after_resolution_without_connecting() -> None:
    with sources.serve() as source:
        fetch.configure(Policy())  # the production default: public addresses only
        with pytest.raises(FetchError, match="refused"):
            await fetch.request(f"{source.url}/secret", limit=100)
        fence_with("intranet.test", "mixed.test")
        resolver = FakeResolver({"intranet.test": ["127.0.0.1"], "mixed.test": ["93.184.216.34", "127.0.0.1"]})
        for name in ("intranet.test", "mixed.test"):
            with pytest.raises(FetchError, match="refused"):
                await fetch.request(f"http://{name}:{source.port}/secret", limit=100, resolver=resolver)
        assert resolver.asked == ["intranet.test", "mixed.test"]
        assert source.hits["/secret"] == 0


async def test_the_checked_address_is_the_one_connected_to() -> None:
    """The name is resolved once per hop by the fetcher and the connection goes to that address:
    a name no real resolver knows reaches the loopback source, which sees the name as Host."""
    with sources.serve() as source:
        fence_with("svc.test")
        resolver = FakeResolver({"svc.test": ["127.0.0.1"]})
        policy = Policy.parse([f"127.0.0.1:{source.port}"])
        reply = await fetch.request(f"http://svc.test:{source.port}/secret", limit=100, policy=policy,
                                    resolver=resolver)
        assert reply.content == sources.SECRET and reply.status == 200
        assert source.hosts == [f"svc.test:{source.port}"] and resolver.asked == ["svc.test"]
        # Every address is checked; when the first does not take the connection, the next one does.
        fence_with("dual.test")
        resolver.table["dual.test"] = ["::1", "127.0.0.1"]
        both = Policy.parse([f"[::1]:{source.port}", f"127.0.0.1:{source.port}"])
        reply = await fetch.request(f"http://dual.test:{source.port}/secret", limit=100, policy=both,
                                    resolver=resolver)
        assert reply.content == sources.SECRET
        with pytest.raises(FetchError, match="refused"):  # one address outside the policy: refused
            await fetch.request(f"http://dual.test:{source.port}/secret", limit=100, policy=policy,
                                resolver=resolver)


async def test_every_redirect_hop_is_checked() -> None:
    with sources.serve() as hop, sources.serve() as secret:
        policy = Policy.parse([f"127.0.0.1:{hop.port}"])
        for status in (301, 302, 303, 307, 308):
            with pytest.raises(FetchError, match="refused"):
                await fetch.request(f"{hop.url}/redirect?status={status}&to={secret.url}/secret", limit=100,
                                    policy=policy)
        assert secret.hits["/secret"] == 0 and hop.hits["/redirect"] == 5
        # Allowed hops are followed, relative locations too, and the count is bounded.
        both = Policy.parse([f"127.0.0.1:{hop.port}", f"127.0.0.1:{secret.port}"])
        reply = await fetch.request(f"{hop.url}/redirect?to={secret.url}/secret", limit=100, policy=both)
        assert reply.content == sources.SECRET
        with pytest.raises(FetchError, match="redirects"):
            await fetch.request(f"{hop.url}/loop", limit=100, policy=both, redirects=3)
        assert hop.hits["/loop"] == 4
        # With redirects off, a redirect is an answer like any other.
        reply = await fetch.request(f"{hop.url}/loop", limit=100, policy=both, redirects=0, ok_only=False)
        assert reply.status == 302


async def test_status_other_than_200_is_a_failure_without_its_body() -> None:
    with sources.serve() as source:
        with pytest.raises(FetchError) as missing:
            await fetch.request(f"{source.url}/nothing", limit=100)
        assert sources.SECRET.decode() not in str(missing.value)
        reply = await fetch.request(f"{source.url}/nothing", limit=100, ok_only=False)
        assert reply.status == 404


async def test_the_deadline_is_total_not_per_read() -> None:
    """A source sending a byte every 0.2 s never leaves a read idle for the deadline, yet the
    fetch ends at it, and the source sees the client hang up before its last byte."""
    with sources.serve() as source:
        with pytest.raises(FetchError, match="within 1s"):
            await fetch.request(f"{source.url}/drip?count=40&every=0.2", limit=100, deadline=1)
        assert source.sent["/drip"] < 40


async def test_size_limit_while_streaming() -> None:
    with sources.serve() as source:
        with pytest.raises(FetchError) as declared:
            await fetch.request(f"{source.url}/big?size=5000000&declare=1", limit=1000)
        assert declared.value.too_large
        with pytest.raises(FetchError) as streamed:
            await fetch.request(f"{source.url}/big?size=5000000", limit=100_000)
        assert streamed.value.too_large
        with pytest.raises(FetchError) as bomb:  # 20 MB of zeros in a ~20 KB gzip body
            await fetch.request(f"{source.url}/bomb?size=20000000", limit=1_000_000)
        assert bomb.value.too_large
        exact = await fetch.request(f"{source.url}/big?size=1000", limit=1000)
        assert exact.content == b"\0" * 1000 and exact.size == 1000


async def test_download_spools_to_a_file() -> None:
    with sources.serve() as source:
        reply = await fetch.download(f"{source.url}/big?size=3000000", limit=4_000_000)
        try:
            assert reply.file is not None and reply.content == b"" and reply.size == 3_000_000
            assert reply.file._rolled  # type: ignore[attr-defined]  # past IN_MEMORY: on disk
            assert reply.file.read() == b"\0" * 3_000_000
        finally:
            reply.close()
        small = await fetch.download(f"{source.url}/secret", limit=100)
        assert small.file is not None and small.file.read() == sources.SECRET
        small.close()


async def test_failures_look_alike() -> None:
    """Closed port, open port speaking something else, refused address: one kind of error, and the
    reason (for the log) never carries what the target sent."""
    allowed = Policy.parse(list(TEST_FETCH_ALLOW))
    with sources.not_http() as open_port, pytest.raises(FetchError) as spoke:
        await fetch.request(f"http://127.0.0.1:{open_port}/", limit=100, policy=allowed)
    with pytest.raises(FetchError) as closed:
        await fetch.request(f"http://127.0.0.1:{sources.closed_port()}/", limit=100, policy=allowed)
    assert "OpenSSH" not in spoke.value.reason and not spoke.value.too_large and not closed.value.too_large


async def test_the_fence_refuses_everything_else_before_any_lookup() -> None:
    """The suite's fence: any host name but localhost is refused before it is resolved, and any
    address that is not loopback is refused, whatever the configured policy allows."""
    resolver = FakeResolver({"example.com": ["93.184.216.34"]})
    fetch.configure(Policy.parse(["0.0.0.0/0", "::/0"]))
    for url in ("http://example.com/", "https://8.8.8.8/", "http://[2606:4700::1111]/", "http://10.0.0.1/"):
        with pytest.raises(FetchError):
            await fetch.request(url, limit=100, resolver=resolver)
    assert resolver.asked == []
    with sources.serve() as source:
        reply = await fetch.request(f"http://localhost:{source.port}/secret", limit=100)
        assert reply.content == sources.SECRET


def test_the_settings_carry_the_policy_and_server_processes_inherit_the_fence() -> None:
    """Server processes of the suite (the fuzzer's above all) read the fence from the environment
    that tests/conftest.py sets: loopback only, nothing else resolved or reached."""
    settings = Settings.from_env()
    assert settings.url_fetch_allow_only and set(settings.url_fetch_allow) == set(TEST_FETCH_ALLOW)
    policy = Policy.parse(settings.url_fetch_allow, allow_only=settings.url_fetch_allow_only)
    assert not policy.may_resolve("example.com") and policy.may_resolve("localhost")
    assert not policy.permits("x", ipaddress.ip_address("93.184.216.34"), 80)
    custom = Settings.from_env({"URL_FETCH_ALLOW": "10.0.0.0/8, grafana.svc:3000", "REGISTRY_UPLOAD_MAX_BYTES": "5"})
    assert custom.url_fetch_allow == ("10.0.0.0/8", "grafana.svc:3000") and not custom.url_fetch_allow_only
    assert custom.registry_upload_max_bytes == 5 and Settings().url_fetch_allow == ()
    with pytest.raises(ConfigError, match="URL_FETCH_ALLOW"):
        Settings.from_env({"URL_FETCH_ALLOW": "10.0.0.0/99"})


async def test_https_to_the_checked_address_verifies_the_name(tmp_path: Path) -> None:
    """Over https the pinned connection still presents the name (SNI) and checks the certificate
    against it: a certificate for another name fails."""
    fence_with("svc.test", "other.test")
    resolver = FakeResolver({"svc.test": ["127.0.0.1"], "other.test": ["127.0.0.1"]})
    with sources.serve_tls("svc.test", tmp_path) as (source, trust):
        policy = Policy.parse([f"127.0.0.1:{source.port}"])
        reply = await fetch.request(f"https://svc.test:{source.port}/secret", limit=100, policy=policy,
                                    resolver=resolver, verify=trust)
        assert reply.content == sources.SECRET and source.hosts == [f"svc.test:{source.port}"]
        with pytest.raises(FetchError):
            await fetch.request(f"https://other.test:{source.port}/secret", limit=100, policy=policy,
                                resolver=resolver, verify=trust)
        with pytest.raises(FetchError):  # the system's CAs do not know this certificate
            await fetch.request(f"https://svc.test:{source.port}/secret", limit=100, policy=policy,
                                resolver=resolver)
        assert source.hits["/secret"] == 1
