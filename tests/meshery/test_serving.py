"""Requests uvicorn cannot parse are refused in the MeshKit envelope, by a real server process."""

from __future__ import annotations

import json
import socket
from urllib.parse import urlsplit

import httpx

from generated import errors
from meshery.serving import refusal
from tests.fixtures.server import ServerProcess


def test_refusal_is_a_complete_json_answer() -> None:
    head, _, body = refusal("Invalid HTTP request received.").partition(b"\r\n\r\n")
    lines = head.decode().split("\r\n")
    assert lines[0] == "HTTP/1.1 400 Bad Request"
    fields = dict(line.split(": ", 1) for line in lines[1:])
    assert fields["content-type"].startswith("application/json")
    assert int(fields["content-length"]) == len(body)
    assert json.loads(body)["code"] == errors.ErrRequestValidation.code


def _raw(url: str, request: bytes) -> bytes:
    parts = urlsplit(url)
    with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 80), timeout=10) as sock:
        sock.sendall(request)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    return answer


def test_too_long_url_and_broken_request_line_get_the_envelope(server_factory: type[ServerProcess]) -> None:
    server = server_factory()
    server.start()
    too_long = b"GET /api/system/version?q=" + b"%C3%A9" * 12_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n"
    broken = b"GET /\x00 HTTP/1.1\r\nHost: x\r\n\r\n"
    for request in (too_long, broken):
        answer = _raw(server.url, request)
        head, _, body = answer.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 400 "), head
        assert b"content-type: application/json" in head.lower()
        assert json.loads(body)["code"] == errors.ErrRequestValidation.code
    # The server still serves.
    assert httpx.get(f"{server.url}/api/system/version").status_code == 200
