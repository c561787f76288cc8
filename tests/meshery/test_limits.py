"""Request limits in front of every route (``meshery.limits``), over a small ASGI app."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from starlette.types import Receive, Scope, Send

from generated import errors
from meshery import limits


class Echo:
    """An app answering the size of the body it read (and what it saw)."""

    def __init__(self) -> None:
        self.calls = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.calls += 1
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        answer = json.dumps({"size": len(body)}).encode()
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"application/json")]})
        await send({"type": "http.response.body", "body": answer})


def _client(**values: Any) -> tuple[httpx.AsyncClient, Echo]:
    app = Echo()
    guarded = limits.RequestLimits(app, limits=limits.Limits(**values))
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=guarded), base_url="http://t"), app


async def _code(answer: httpx.Response) -> tuple[int, str]:
    return answer.status_code, answer.json().get("code", "")


async def test_ordinary_requests_pass_untouched() -> None:
    http, app = _client()
    async with http:
        text = b'{"a": ["\\t\\n", "\\\\u0000"]}'  # tab, newline and a backslash before "u0000": text
        assert (await http.post("/x?q=a%20b", content=text)).json() == {"size": len(text)}
        assert (await http.post("/x", content=b"raw", headers={"content-type": "application/octet-stream"})).json() == {
            "size": 3
        }
        assert (await http.get("/x/%C3%A9")).status_code == 200
    assert app.calls == 3


@pytest.mark.parametrize(
    ("url", "code"),
    [
        ("/a%00b", errors.ErrControlCharacter.code),
        ("/a%7Fb", errors.ErrControlCharacter.code),
        ("/x?q=%0D%0A", errors.ErrControlCharacter.code),
        ("/x?q=a+%01", errors.ErrControlCharacter.code),
        ("/x?filter=" + "%5B" * 150, errors.ErrInputNestedTooDeeply.code),
        ("/x?filter=" + "[" * 150, errors.ErrInputNestedTooDeeply.code),
    ],
)
async def test_paths_and_queries(url: str, code: str) -> None:
    http, app = _client()
    async with http:
        assert await _code(await http.get(url)) == (400, code)
    assert app.calls == 0


async def test_json_bodies_are_checked_before_the_app() -> None:
    http, app = _client(json_depth=10)
    async with http:
        deep = await http.post("/x", content=b"[" * 11 + b"]" * 11)  # no content type: read as JSON
        assert await _code(deep) == (400, errors.ErrInputNestedTooDeeply.code)
        nul = await http.post("/x", content=b'{"a": "\\u0000"}', headers={"content-type": "text/plain"})
        assert await _code(nul) == (400, errors.ErrControlCharacter.code)
        fine = await http.post("/x", content=b"[" * 10 + b"]" * 10, headers={"content-type": "application/merge+json"})
        assert fine.json() == {"size": 20}
    assert app.calls == 1


async def test_bodies_over_the_limit_are_413() -> None:
    http, app = _client(body_limit=100, multipart_limit=1000)
    async with http:
        declared = await http.post("/x", content=b"{}" * 100, headers={"content-type": "application/json"})
        assert await _code(declared) == (413, errors.ErrRequestTooLarge.code)

        async def chunks() -> Any:
            for _ in range(30):
                yield b"0123456789"

        # Without a length the body reaches the app, whose read stops at the limit (the app's
        # error handling answers 413: tests/security/test_request_input.py).
        with pytest.raises(errors.ErrRequestTooLarge):
            await http.post("/x", content=chunks(), headers={"content-type": "application/octet-stream"})
        upload = await http.post("/x", files={"file": ("a.bin", b"x" * 500)})
        assert upload.json()["size"] > 500
        too_big = await http.post("/x", files={"file": ("a.bin", b"x" * 2000)})
        assert await _code(too_big) == (413, errors.ErrRequestTooLarge.code)
    assert app.calls == 2  # the streamed body (stopped) and the small upload


async def test_urlencoded_forms_are_read_as_queries() -> None:
    http, app = _client()
    form = {"content-type": "application/x-www-form-urlencoded"}
    async with http:
        assert (await http.post("/x", content=b"a=1&b=%C3%A9%0Ax", headers=form)).json() == {"size": 16}
        refused = await http.post("/x", content=b"a=%00", headers=form)
        assert await _code(refused) == (400, errors.ErrControlCharacter.code)
    assert app.calls == 1


def test_limits_come_from_the_settings() -> None:
    from meshery.config import Settings

    settings = Settings.from_env({"REQUEST_BODY_LIMIT": "10", "MULTIPART_BODY_LIMIT": "20", "JSON_DEPTH_LIMIT": "3"})
    assert limits.Limits.of(settings) == limits.Limits(10, 20, 3)


class WebSocketEcho:
    """A WebSocket app echoing every text message until the client goes away."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        assert (await receive())["type"] == "websocket.connect"
        await send({"type": "websocket.accept"})
        while (message := await receive())["type"] == "websocket.receive":
            self.seen.append(message["text"])
            await send({"type": "websocket.send", "text": message["text"]})
        await send({"type": "websocket.close", "code": 1000})  # dropped when the limits closed first


async def _websocket(frames: list[str], **values: Any) -> tuple[list[dict[str, Any]], WebSocketEcho]:
    app = WebSocketEcho()
    guarded = limits.RequestLimits(app, limits=limits.Limits(**values))
    incoming: list[dict[str, Any]] = [{"type": "websocket.connect"}]
    incoming += [{"type": "websocket.receive", "text": text} for text in frames]
    incoming.append({"type": "websocket.disconnect", "code": 1000})
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return incoming.pop(0)

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await guarded({"type": "websocket", "path": "/ws", "query_string": b"", "headers": []}, receive, send)
    return sent, app


async def test_websocket_messages_pass_when_within_the_limits() -> None:
    sent, app = await _websocket(['{"type": "connection_init"}', '{"a": [[1]]}'])
    assert app.seen == ['{"type": "connection_init"}', '{"a": [[1]]}']
    assert [m["type"] for m in sent] == ["websocket.accept", "websocket.send", "websocket.send", "websocket.close"]
    assert sent[-1]["code"] == 1000


@pytest.mark.parametrize(
    ("frame", "code"),
    [
        ('{"payload": ' + "[" * 10 + "]" * 10 + "}", errors.ErrInputNestedTooDeeply.code),
        ('{"payload": {"query": "a\\u0000b"}}', errors.ErrControlCharacter.code),
        ('{"payload": "' + "x" * 200 + '"}', errors.ErrRequestTooLarge.code),
    ],
)
async def test_a_websocket_message_past_the_limits_closes_the_socket(frame: str, code: str) -> None:
    sent, app = await _websocket(
        ['{"type": "connection_init"}', frame, '{"never": "read"}'], json_depth=5, body_limit=100
    )
    assert app.seen == ['{"type": "connection_init"}']  # the refused message never reaches the app
    assert sent[-1] == {"type": "websocket.close", "code": 1008, "reason": code}
    assert [m["type"] for m in sent].count("websocket.close") == 1  # the app's own close is dropped
