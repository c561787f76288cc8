"""What the built-in generator's engine and its connections share: endpoints, the run, the clock, request bytes.

``Pacer`` is the engine as a connection sees it (kept here so ``http1``/``http2`` need not import
``engine``, which imports them).
"""

from __future__ import annotations

import asyncio
import ssl
import time
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import urlsplit

clock = time.perf_counter  # precise and monotonic; uvloop's loop.time() has millisecond steps
ERROR_CODE = -1  # fortio's RetCodes key for a request that got no HTTP answer
USER_AGENT = "meshery-loadgen/1"


@dataclass(frozen=True)
class Endpoint:
    url: str
    scheme: str
    host: str
    port: int
    target: str  # path and query
    authority: str

    @classmethod
    def parse(cls, url: str) -> Endpoint:
        split = urlsplit(url)
        if split.scheme not in ("http", "https") or not split.hostname:
            raise ValueError(f"not an http(s) URL: {url!r}")
        port = split.port or (443 if split.scheme == "https" else 80)
        target = split.path or "/"
        if split.query:
            target += "?" + split.query
        return cls(url, split.scheme, split.hostname, port, target, split.netloc.rsplit("@", 1)[-1])


@dataclass(frozen=True)
class EngineSpec:
    endpoints: tuple[str, ...]
    qps: float
    duration_s: float
    concurrency: int
    method: str = "GET"
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b""
    http2: bool = False
    timeout_s: float = 10.0
    insecure: bool = False
    ca_file: str = ""

    def tls_context(self, *, http2: bool) -> ssl.SSLContext:
        """The client TLS context of an https endpoint (ALPN h2 for HTTP/2)."""
        context = ssl.create_default_context(cafile=self.ca_file or None)
        if self.insecure:
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        context.set_alpn_protocols(["h2"] if http2 else ["http/1.1"])
        return context


class Pacer(Protocol):
    loop: asyncio.AbstractEventLoop
    spec: EngineSpec
    interval: float
    ssl_context: ssl.SSLContext | None

    def done(self, conn: Any, status: int) -> None: ...


class Conn(Protocol):
    """A connection as the engine drives it."""

    index: int
    busy: bool
    sent_at: float
    read_at: float

    def send(self) -> None: ...
    def abort(self) -> None: ...


def request_bytes(endpoint: Endpoint, spec: EngineSpec) -> bytes:
    lines = [f"{spec.method} {endpoint.target} HTTP/1.1", f"Host: {endpoint.authority}"]
    names = {name.lower() for name, _ in spec.headers}
    if "user-agent" not in names:
        lines.append(f"User-Agent: {USER_AGENT}")
    lines.extend(f"{name}: {value}" for name, value in spec.headers if name.lower() not in ("host", "content-length"))
    if spec.body or spec.method in ("POST", "PUT", "PATCH"):
        lines.append(f"Content-Length: {len(spec.body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + spec.body
