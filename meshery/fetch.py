"""The one way the server fetches a URL that a user (or a provider) named.

Design import, registry import, telemetry connections and provider extension packages all go
through ``request``/``download`` here, and the endpoints of load tests through ``check_target``
(the load generator makes the connections), so the rules hold everywhere:

- http(s) only; the host name is resolved first and every address it resolves to is checked:
  loopback, link-local, private, multicast, reserved and unspecified addresses are refused unless
  the operator's allow-list (``URL_FETCH_ALLOW``) names them; the connection then goes to the
  address that was checked (the name is sent as ``Host`` and as the TLS server name), so a DNS
  answer that changes between check and connect cannot switch the target;
- redirects are followed here, hop by hop (each hop checked the same way), at most ``redirects``;
- one total deadline covers resolution, every hop and the whole body (a source sending one byte
  per second ends at the deadline, not per read);
- the body is streamed against a size limit and never buffered beyond it (``download`` spools to
  a temporary file past a small in-memory threshold);
- every failure is a ``FetchError`` whose ``reason`` is for the log only; callers answer one
  uniform message (``NOT_FETCHED``) that does not tell a refused address from a closed port, an
  open port speaking another protocol, a timeout or an error status.

``URL_FETCH_ALLOW_ONLY`` turns the allow-list into the only reachable set (names must be listed
by name; IP literals must match a listed address or network). The test suite installs a
``fence`` of that kind (loopback only, no name resolution for anything else) so that no test,
the fuzzer included, can send traffic off the machine.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import socket
import ssl
import tempfile
import zlib
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import IO, Any
from urllib.parse import urljoin, urlsplit

import httpx

log = logging.getLogger(__name__)

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
Resolver = Callable[[str, int], Awaitable[list[str]]]
Params = list[tuple[str, str | int | float | bool | None]] | dict[str, str]

DEADLINE = 15.0
MAX_REDIRECTS = 5
IN_MEMORY = 1024 * 1024  # a download stays in memory up to this size, then moves to a temporary file
CHUNK = 64 * 1024
REDIRECTS = frozenset({301, 302, 303, 307, 308})
NOT_FETCHED = (
    "could not be fetched: the address is not allowed, did not answer, "
    "or did not send the content within the time and size limits"
)


class FetchError(Exception):
    """A URL was not fetched. ``reason`` is for the server's log; show users ``NOT_FETCHED``."""

    def __init__(self, reason: str, *, too_large: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.too_large = too_large


def shown(url: str) -> str:
    """The URL as echoed in messages: the user's own input, cut short."""
    return url if len(url) <= 200 else url[:200] + "..."


def _embedded_v4(ip: IPAddress) -> ipaddress.IPv4Address | None:
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return ip.ipv4_mapped
        if ip in _NAT64 or ip in _V4_COMPAT:
            return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
_V4_COMPAT = ipaddress.IPv6Network("::/96")


def is_public(ip: IPAddress) -> bool:
    """True for a globally routable unicast address (what may be fetched without an allow-list)."""
    inner = _embedded_v4(ip)
    if inner is not None:
        return is_public(inner)
    flags = (ip.is_loopback, ip.is_link_local, ip.is_private, ip.is_multicast, ip.is_reserved, ip.is_unspecified)
    if any(flags) or (isinstance(ip, ipaddress.IPv6Address) and ip.is_site_local):
        return False
    return ip.is_global


@dataclass(frozen=True)
class Rule:
    """One allow-list entry: a host name, an address or a network, optionally with a port."""

    host: str | None = None
    network: IPNetwork | None = None
    port: int | None = None

    @classmethod
    def parse(cls, text: str) -> Rule:
        entry = text.strip().lower()
        if not entry:
            raise ValueError("an empty entry")
        port: int | None = None
        body = entry
        if entry.startswith("["):  # [v6] or [v6]:port
            close = entry.find("]")
            if close < 0:
                raise ValueError(f"{text!r}: unclosed [")
            body, rest = entry[1:close], entry[close + 1 :]
            if rest:
                port = _port(rest.removeprefix(":"), text)
        elif entry.count(":") == 1:
            body, _, raw_port = entry.partition(":")
            port = _port(raw_port, text)
        try:
            return cls(network=ipaddress.ip_network(body, strict=False), port=port)
        except ValueError:
            pass
        name = body.rstrip(".")
        if not name or "/" in name or not all(part for part in name.split(".")):
            raise ValueError(f"{text!r} is not a host name, an address or a network")
        return cls(host=name, port=port)

    def matches(self, host: str, ip: IPAddress, port: int) -> bool:
        if self.port is not None and self.port != port:
            return False
        if self.host is not None:
            return host == self.host
        assert self.network is not None
        inner = _embedded_v4(ip)
        return ip in self.network or (inner is not None and inner in self.network)


def _port(raw: str, text: str) -> int:
    if not raw.isdigit() or not 1 <= int(raw) <= 65535:
        raise ValueError(f"{text!r}: the port is not a number from 1 to 65535")
    return int(raw)


@dataclass(frozen=True)
class Policy:
    """Which targets may be fetched: public addresses plus the allow-list (or the allow-list only)."""

    allow: tuple[Rule, ...] = ()
    allow_only: bool = False

    @classmethod
    def parse(cls, entries: Iterable[str], *, allow_only: bool = False) -> Policy:
        return cls(tuple(Rule.parse(e) for e in entries), allow_only)

    def may_resolve(self, host: str) -> bool:
        """Whether a host name may be looked up at all (``allow_only``: only names on the list)."""
        return not self.allow_only or any(r.host == host for r in self.allow)

    def permits(self, host: str, ip: IPAddress, port: int) -> bool:
        if any(rule.matches(host, ip, port) for rule in self.allow):
            return True
        return not self.allow_only and is_public(ip)


@dataclass
class _State:
    policy: Policy = field(default_factory=Policy)
    fence: Policy | None = None


_state = _State()


def configure(policy: Policy) -> None:
    """The policy of this process (the app's start-up sets it from the settings)."""
    _state.policy = policy


def set_fence(fence: Policy | None) -> None:
    """A second policy every fetch must also pass, whatever is configured (the test suite's fence)."""
    _state.fence = fence


def current_policy() -> Policy:
    return _state.policy


async def system_resolver(host: str, port: int) -> list[str]:
    loop = asyncio.get_running_loop()
    infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


@dataclass(frozen=True)
class _Hop:
    urls: tuple[httpx.URL, ...]  # the URL with each checked address as its host, in resolver order
    host_header: str
    sni: str | None


def _default_port(scheme: str) -> int:
    return 443 if scheme == "https" else 80


async def check_target(url: str, *, resolver: Resolver = system_resolver) -> None:
    """Check a URL the server will send traffic to by other means (a load test's endpoints).

    The same rules as a fetch: http(s) only, every address the host resolves to must pass the
    policy (and the fence). Raises ``FetchError`` when the target is refused.
    """
    policies = [_state.policy] if _state.fence is None else [_state.policy, _state.fence]
    await _check(url, policies, resolver)


async def _check(url: str, policies: list[Policy], resolver: Resolver) -> _Hop:
    """Parse ``url``, resolve its host and check every address; the URL to connect to."""
    try:
        parts = urlsplit(url)
        port = parts.port or _default_port(parts.scheme)
        parsed = httpx.URL(url)
    except (ValueError, httpx.InvalidURL) as exc:
        raise FetchError(f"unparsable URL ({exc})") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise FetchError("not an absolute http(s) URL")
    host = parts.hostname.lower().rstrip(".")
    try:
        literal: IPAddress | None = ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        literal = None
    if literal is not None:
        addresses = [str(literal)]
    else:
        if not all(p.may_resolve(host) for p in policies):
            raise FetchError(f"{host} is not on the allow-list (not resolved)")
        try:
            addresses = await resolver(host, port)
        except (OSError, UnicodeError, ValueError) as exc:
            raise FetchError(f"{host} not resolved ({type(exc).__name__})") from None
    if not addresses:
        raise FetchError(f"{host} resolved to no address")
    for address in addresses:
        try:
            ip = ipaddress.ip_address(address.split("%", 1)[0])
        except ValueError:
            raise FetchError(f"{host} resolved to {address!r}") from None
        for policy in policies:
            if not policy.permits(host, ip, port):
                raise FetchError(f"{host} -> {ip}:{port} refused by the fetch policy")
    default = port == _default_port(parts.scheme) and parts.port is None
    netloc_host = f"[{host}]" if ":" in host else host
    host_header = netloc_host if default else f"{netloc_host}:{port}"
    pinned = tuple(
        parsed.copy_with(host=str(ipaddress.ip_address(a.split("%", 1)[0])), port=port if parts.port else None)
        for a in dict.fromkeys(addresses)
    )
    return _Hop(pinned, host_header, host if parts.scheme == "https" and literal is None else None)


class _Decoder:
    """Bounded incremental decoding of a Content-Encoding (gzip, deflate) or none."""

    def __init__(self, encoding: str) -> None:
        encoding = encoding.strip().lower()
        self._z: Any = None
        if encoding in ("", "identity"):
            return
        if encoding in ("gzip", "x-gzip"):
            self._z = zlib.decompressobj(16 + zlib.MAX_WBITS)
        elif encoding == "deflate":
            self._z = zlib.decompressobj()
        else:
            raise FetchError(f"unsupported content encoding {encoding!r}")

    def feed(self, raw: bytes) -> Iterable[bytes]:
        if self._z is None:
            yield raw
            return
        try:
            data = self._z.decompress(raw, CHUNK)
            yield data
            while self._z.unconsumed_tail:
                data = self._z.decompress(self._z.unconsumed_tail, CHUNK)
                yield data
        except zlib.error as exc:
            raise FetchError(f"bad {exc}") from None


@dataclass
class Reply:
    """A fetched answer: status, headers and the body (bytes, or a file for ``download``)."""

    url: str
    status: int
    headers: Mapping[str, str]
    size: int = 0
    content: bytes = b""
    file: IO[bytes] | None = None

    def close(self) -> None:
        if self.file is not None:
            self.file.close()


async def request(
    url: str,
    *,
    method: str = "GET",
    params: Params | None = None,
    headers: Mapping[str, str] | None = None,
    limit: int,
    deadline: float = DEADLINE,
    redirects: int = MAX_REDIRECTS,
    ok_only: bool = True,
    spool: bool = False,
    policy: Policy | None = None,
    resolver: Resolver | None = None,
    verify: ssl.SSLContext | None = None,
) -> Reply:
    """Fetch ``url`` under the policy: the answer's body read up to ``limit`` bytes.

    ``ok_only``: any status other than 200 is a ``FetchError`` (the body is not read); otherwise
    every status is returned. ``verify``: the TLS trust (default: the system's CAs). ``spool``:
    the body goes to ``Reply.file`` (a temporary file once past ``IN_MEMORY`` bytes; the caller
    closes it) instead of ``Reply.content``.
    """
    policies = [policy or _state.policy] + ([_state.fence] if _state.fence is not None else [])
    resolve = resolver or system_resolver
    sink: IO[bytes] | None = tempfile.SpooledTemporaryFile(max_size=IN_MEMORY) if spool else None  # noqa: SIM115
    try:
        async with asyncio.timeout(deadline):
            reply = await _exchange(
                url, method, params, headers, limit, deadline, redirects, ok_only, sink, policies, resolve, verify
            )
    except TimeoutError:
        if sink is not None:
            sink.close()
        raise FetchError(f"no complete answer within {deadline:g}s") from None
    except BaseException:
        if sink is not None:
            sink.close()
        raise
    if sink is not None:
        sink.seek(0)
    return reply


async def _exchange(  # noqa: PLR0917
    url: str,
    method: str,
    params: Params | None,
    headers: Mapping[str, str] | None,
    limit: int,
    deadline: float,
    redirects: int,
    ok_only: bool,
    sink: IO[bytes] | None,
    policies: list[Policy],
    resolve: Resolver,
    verify: ssl.SSLContext | None,
) -> Reply:
    current = url
    trust: ssl.SSLContext | bool = verify if verify is not None else True
    async with httpx.AsyncClient(follow_redirects=False, trust_env=False, timeout=deadline, verify=trust) as client:
        for hop in range(redirects + 1):
            target = await _check(current, policies, resolve)
            sent = {"Accept-Encoding": "identity", **(headers or {}), "Host": target.host_header}
            extensions = {"sni_hostname": target.sni} if target.sni else {}
            location: str | None = None
            for index, pinned in enumerate(target.urls):
                try:
                    async with client.stream(
                        method, pinned, params=params if hop == 0 else None, headers=sent, extensions=extensions
                    ) as response:
                        status = response.status_code
                        location = response.headers.get("location")
                        if status in REDIRECTS and location and hop < redirects:
                            method = "GET" if status == 303 else method
                            break
                        if status in REDIRECTS and location and redirects:
                            raise FetchError(f"more than {redirects} redirects")
                        if ok_only and status != 200:
                            raise FetchError(f"answered HTTP {status}")
                        return await _read(response, current, limit, sink)
                except httpx.ConnectError:
                    if index + 1 == len(target.urls):
                        raise FetchError("ConnectError") from None
                    # the next address the name resolved to (each one was checked)
                except httpx.HTTPError as exc:
                    raise FetchError(f"{type(exc).__name__}") from None
            assert location is not None
            current = urljoin(current, location)
    raise FetchError("redirect loop")  # pragma: no cover (the loop returns or raises)


async def _read(response: httpx.Response, url: str, limit: int, sink: IO[bytes] | None) -> Reply:
    declared = response.headers.get("content-length", "")
    encoding = response.headers.get("content-encoding", "")
    if declared.isdigit() and int(declared) > limit and encoding.strip().lower() in ("", "identity"):
        raise FetchError(f"declares {declared} bytes (limit {limit})", too_large=True)
    decoder = _Decoder(encoding)
    chunks: list[bytes] = []
    size = 0
    async for raw in response.aiter_raw(CHUNK):
        for data in decoder.feed(raw):
            size += len(data)
            if size > limit:
                raise FetchError(f"more than {limit} bytes", too_large=True)
            if sink is not None:
                sink.write(data)
            else:
                chunks.append(data)
    return Reply(url, response.status_code, dict(response.headers), size, b"".join(chunks), sink)


async def download(
    url: str, *, limit: int, deadline: float = DEADLINE, policy: Policy | None = None, resolver: Resolver | None = None
) -> Reply:
    """GET ``url`` (200 only), its body in ``Reply.file`` (the caller closes it)."""
    return await request(url, limit=limit, deadline=deadline, spool=True, policy=policy, resolver=resolver)
