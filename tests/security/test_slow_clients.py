"""Finding 14 (issue 15): slow ("slowloris") clients are disconnected; a real server process.

With HTTP_HEADER_TIMEOUT, HTTP_BODY_TIMEOUT and HTTP_IDLE_TIMEOUT at one second, a client that
connects and sends nothing, one that sends its headers a byte at a time, one that declares a
body and never sends it, and an idle keep-alive connection are all closed by the server (the
socket reads end of stream; the socket's own 20 s timeout is never what ends the wait), while
an ordinary request on the same server is answered.
"""

from __future__ import annotations

import socket
import time
from urllib.parse import urlsplit

import httpx

from tests.fixtures.server import ServerProcess

TIMEOUTS = {"HTTP_HEADER_TIMEOUT": "1", "HTTP_BODY_TIMEOUT": "1", "HTTP_IDLE_TIMEOUT": "1"}


def _connect(url: str) -> socket.socket:
    parts = urlsplit(url)
    sock = socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 80), timeout=20)
    return sock


def _closed_by_server(sock: socket.socket, *, trickle: bytes = b"") -> bytes:
    """Everything the server sent until it closed the connection (a byte of ``trickle`` every 0.2 s)."""
    received = b""
    sock.settimeout(0.2 if trickle else 20)
    deadline = time.monotonic() + 20
    for byte in trickle:
        try:
            sock.sendall(bytes([byte]))
        except OSError:
            return received  # closed while we were still sending
        try:
            chunk = sock.recv(65536)
        except TimeoutError:
            continue
        if not chunk:
            return received
        received += chunk
    sock.settimeout(max(deadline - time.monotonic(), 0.1))
    while chunk := sock.recv(65536):
        received += chunk
    return received


def test_slow_clients_are_disconnected(server_factory: type[ServerProcess]) -> None:
    server = server_factory(env=TIMEOUTS)
    server.start()
    with _connect(server.url) as silent:
        assert _closed_by_server(silent) == b""
    with _connect(server.url) as trickling:
        head = b"GET /api/system/version HTTP/1.1\r\nHost: x\r\nX-Padding: " + b"a" * 200 + b"\r\n\r\n"
        assert _closed_by_server(trickling, trickle=head) == b""
    with _connect(server.url) as no_body:
        no_body.sendall(b"POST /api/pattern HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n")
        no_body.sendall(b"Content-Length: 1000\r\n\r\n{")
        assert _closed_by_server(no_body) == b""
    with _connect(server.url) as idle:
        idle.sendall(b"GET /api/system/version HTTP/1.1\r\nHost: x\r\n\r\n")
        answer = _closed_by_server(idle)  # answered, then closed once idle
        assert answer.startswith(b"HTTP/1.1 200 ")
    assert httpx.get(f"{server.url}/api/system/version", timeout=10).status_code == 200
