"""The loopback target: records requests, answers with injected status, latency and stalls, speaks h2c."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator

import httpx
import pytest

from meshery.perf.target import TargetServer


@pytest.fixture(scope="module")
def target() -> Iterator[TargetServer]:
    with TargetServer.in_thread() as server:
        yield server


def test_records_and_answers(target: TargetServer) -> None:
    target.state.reset()
    with httpx.Client(base_url=target.url) as client:
        answer = client.post("/p?status=201", content=b"body", headers={"X-A": "1", "Cookie": "c=d"})
        assert answer.status_code == 201 and answer.text == "ok\n"
        assert client.get("/_stats").json()["count"] == 1  # control requests are not counted
        rows = client.get("/_requests").json()
    assert rows[0]["method"] == "POST" and rows[0]["body"] == "body"
    assert rows[0]["headers"]["x-a"] == "1" and rows[0]["headers"]["cookie"] == "c=d"


def test_latency_and_stall(target: TargetServer) -> None:
    with httpx.Client(base_url=target.url) as client:
        started = time.monotonic()
        client.get("/?delay_ms=50")
        assert time.monotonic() - started >= 0.05
        client.get("/_stall?ms=200")  # answered at once, then nothing for 200 ms
        started = time.monotonic()
        client.get("/")
        assert time.monotonic() - started >= 0.15


def test_pipelined_requests_are_answered_in_order(target: TargetServer) -> None:
    with socket.create_connection(("127.0.0.1", target.port), timeout=5) as sock:
        sock.sendall(b"GET /?delay_ms=30 HTTP/1.1\r\nHost: x\r\n\r\nGET /_stats HTTP/1.1\r\nHost: x\r\n\r\n")
        data = b""
        while data.count(b"HTTP/1.1 200") < 2 or not data.endswith(b"}"):
            chunk = sock.recv(65536)
            assert chunk
            data += chunk
    first, second = data.split(b"HTTP/1.1 200 OK")[1:3]
    assert first.endswith(b"ok\n")
    assert json.loads(second.split(b"\r\n\r\n", 1)[1])["count"] >= 1
