"""Request limits, checked before any route, parser or database sees the request.

``RequestLimits`` is ASGI middleware in front of REST and GraphQL. It refuses, with a
catalogued error in the MeshKit envelope:

- a path or query value holding a control character (U+0000-U+001F, U+007F), or an
  ``application/x-www-form-urlencoded`` field holding one other than tab and line breaks:
  ``ErrControlCharacter`` (400). PostgreSQL cannot store NUL, providers get the value in URLs;
- a query value whose JSON nesting exceeds ``json_depth`` (``ErrInputNestedTooDeeply``, 400);
- a body over ``body_limit`` (``multipart_limit`` for multipart uploads): at once from its
  Content-Length, else when the bytes read pass the limit (``ErrRequestTooLarge``, 413). Nothing
  past the limit is buffered;
- a JSON body (``application/json``, ``+json``, ``text/plain`` and no Content-Type, which the
  request layer reads as JSON) nested deeper than ``json_depth`` (400, where Python's recursive
  JSON parser and schema validator would raise ``RecursionError``), or whose string values hold
  NUL, a control character other than tab, line feed, carriage return, backspace and form
  feed, or an unpaired UTF-16 surrogate (``ErrControlCharacter``, 400).

Every message a WebSocket client sends (GraphQL subscriptions) is held to the same rules as a
JSON body: over ``body_limit``, nested deeper than ``json_depth`` or holding a control character,
the socket is closed with 1008 (policy violation) and the error's code as the reason, before the
GraphQL handler parses the message.

A JSON body is read whole here (the request layer reads it whole anyway) and replayed to the
app. After a request that buffered a large body, freed memory is handed back to the operating
system (``meshery.memory.trim_soon``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import unquote_to_bytes

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from generated import errors
from meshery import memory, safe_load
from meshery.config import Settings
from meshery.errors import CONTENT_TYPE, body_and_headers

_CONTROL_TEXT = re.compile(r"[\x00-\x1f\x7f]")
TEXT_CONTROL = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]")
"""What a text value of a body (a form field) may not hold: NUL and controls but tab and line breaks."""
# A \u escape of NUL or of a control character other than \b \t \n \f \r, preceded by an even
# number of backslashes (an escaped backslash before "u0000" is text, not an escape).
_JSON_CONTROL = re.compile(rb"(?<!\\)(?:\\\\)*\\u00(?:0[0-7bBeE]|1[0-9a-fA-F])")
_JSON_LONE_SURROGATE = re.compile(
    rb"(?<!\\)(?:\\\\)*\\u[dD][89abAB][0-9a-fA-F]{2}(?!\\u[dD][c-fC-F][0-9a-fA-F]{2})"
    rb"|(?<!\\)(?:\\\\)*(?<!\\u[dD][89abAB][0-9a-fA-F]{2})\\u[dD][c-fC-F][0-9a-fA-F]{2}"
)
LARGE_BODY = 1024 * 1024
"""A body at least this large is followed by handing freed memory back (``memory.trim_soon``)."""


@dataclass(frozen=True)
class Limits:
    """The request limits (settings ``REQUEST_BODY_LIMIT``, ``MULTIPART_BODY_LIMIT``, ``JSON_DEPTH_LIMIT``)."""

    body_limit: int = 64 * 1024 * 1024
    multipart_limit: int = 128 * 1024 * 1024
    json_depth: int = 100

    @classmethod
    def of(cls, settings: Settings) -> Limits:
        return cls(settings.request_body_limit, settings.multipart_body_limit, settings.json_depth_limit)


def _is_json(content_type: bytes | None) -> bool:
    if content_type is None:
        return True
    mime = content_type.split(b";", 1)[0].strip().lower()
    return mime in (b"application/json", b"text/plain", b"") or mime.endswith(b"+json")


def check_path(path: str) -> None:
    found = _CONTROL_TEXT.search(path)
    if found is not None:
        raise errors.ErrControlCharacter(f"the path holds the control character U+{ord(found.group()):04X}")


_ENCODED_CONTROL = re.compile(rb"%[01][0-9a-fA-F]|%7[fF]")
_ENCODED_BRACKET = re.compile(rb"%5[bB]|%7[bB]")


def check_query(query: bytes, *, json_depth: int) -> None:
    """Refuse control characters and deep JSON nesting in a raw (percent-encoded) query string."""
    if not query:
        return
    # The server refuses raw control characters in a URL: only encoded ones can be there.
    found = _ENCODED_CONTROL.search(query)
    if found is not None:
        raise errors.ErrControlCharacter(
            f"a query parameter holds the control character U+00{found.group()[1:].upper().decode()}"
        )
    brackets = query.count(b"[") + query.count(b"{")
    if b"%" in query:
        brackets += len(_ENCODED_BRACKET.findall(query))
    if brackets > json_depth:
        raw = unquote_to_bytes(query.replace(b"+", b" "))
        if safe_load.json_depth(raw, limit=json_depth) > json_depth:
            raise errors.ErrInputNestedTooDeeply(f"a query parameter nests deeper than {json_depth} levels")


def check_form(body: bytes, *, json_depth: int) -> None:
    """An ``application/x-www-form-urlencoded`` body: text values, so tab and line breaks are allowed."""
    raw = unquote_to_bytes(body.replace(b"+", b" "))
    found = TEXT_CONTROL.search(raw)
    if found is not None:
        raise errors.ErrControlCharacter(f"a form field holds the control character U+{found.group()[0]:04X}")
    if safe_load.json_depth(raw, limit=json_depth) > json_depth:
        raise errors.ErrInputNestedTooDeeply(f"a form field nests deeper than {json_depth} levels")


def check_json(body: bytes, *, json_depth: int) -> None:
    """Depth and string contents of a JSON body, without parsing it."""
    if safe_load.json_depth(body, limit=json_depth) > json_depth:
        raise errors.ErrInputNestedTooDeeply(f"the JSON body nests deeper than {json_depth} levels")
    if b"\\u" in body:
        found = _JSON_CONTROL.search(body)
        if found is not None:
            code = found.group()[-4:].decode()
            raise errors.ErrControlCharacter(f"a JSON string holds the control character U+{code.upper()}")
        if _JSON_LONE_SURROGATE.search(body) is not None:
            raise errors.ErrControlCharacter("a JSON string holds an unpaired UTF-16 surrogate")


class RequestLimits:
    """ASGI middleware applying ``Limits`` to every HTTP request (and the URL of websockets)."""

    def __init__(self, app: ASGIApp, *, limits: Limits | None = None) -> None:
        self.app = app
        self.limits = limits or Limits()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        limits = self.limits
        try:
            check_path(scope["path"])
            check_query(scope.get("query_string", b""), json_depth=limits.json_depth)
        except errors.MesheryError as err:
            await _refuse(scope, receive, send, err)
            return
        if scope["type"] != "http":
            frames = _Frames(receive, send, limits)
            await self.app(scope, frames.receive, frames.send)
            return
        content_type = length = None
        chunked = False
        for name, value in scope["headers"]:
            if name == b"content-type":
                content_type = bytes(value)
            elif name == b"content-length":
                length = bytes(value)
            elif name == b"transfer-encoding":
                chunked = True
        if length is None and not chunked and scope["method"] in ("GET", "HEAD", "OPTIONS", "DELETE"):
            await self.app(scope, receive, send)  # no body
            return
        multipart = content_type is not None and content_type[:10].lower() == b"multipart/"
        limit = limits.multipart_limit if multipart else limits.body_limit
        if length is not None and length.strip().isdigit() and int(length) > limit:
            await _refuse(scope, receive, send, _too_large(int(length), limit))
            return
        if content_type is not None and content_type[:33].lower() == b"application/x-www-form-urlencoded":
            try:
                body = await _read_all(receive, limit)
                check_form(body, json_depth=limits.json_depth)
            except errors.MesheryError as err:
                await _refuse(scope, receive, send, err)
                return
            await self.app(scope, _replay(body, receive), send)
            return
        if _is_json(content_type):
            try:
                body = await _read_all(receive, limit)
                check_json(body, json_depth=limits.json_depth)
            except errors.MesheryError as err:
                await _refuse(scope, receive, send, err)
                return
            await self.app(scope, _replay(body, receive), send)
            if len(body) >= LARGE_BODY:
                memory.trim_soon()
            return
        counted = _Counted(receive, limit)
        try:
            await self.app(scope, counted, send)
        finally:
            if counted.read >= LARGE_BODY:
                memory.trim_soon()


def _too_large(size: int, limit: int) -> errors.MesheryError:
    return errors.ErrRequestTooLarge(f"the body has {size} bytes or more; the limit is {limit}")


async def _read_all(receive: Receive, limit: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":  # the client went away
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise _too_large(size, limit)
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()  # after the body: waits for the disconnect, as the server's would

    return replay


class _Counted:
    """A ``receive`` that stops a body at ``limit`` bytes (``ErrRequestTooLarge``)."""

    def __init__(self, receive: Receive, limit: int) -> None:
        self.receive = receive
        self.limit = limit
        self.read = 0

    async def __call__(self) -> Message:
        message = await self.receive()
        if message["type"] == "http.request":
            self.read += len(message.get("body", b""))
            if self.read > self.limit:
                raise _too_large(self.read, self.limit)
        return message


class _Frames:
    """The ``receive`` and ``send`` of a WebSocket whose client messages are checked as JSON bodies.

    A refused message closes the socket (1008, the error code as reason); the app then sees a
    disconnect, and what it sends after the close is dropped.
    """

    def __init__(self, receive: Receive, send: Send, limits: Limits) -> None:
        self._receive = receive
        self._send = send
        self.limits = limits
        self.closed = False

    async def receive(self) -> Message:
        message = await self._receive()
        if message["type"] != "websocket.receive" or self.closed:
            return message
        data = message.get("bytes")
        if data is None:
            data = (message.get("text") or "").encode("utf-8", "surrogatepass")
        try:
            if len(data) > self.limits.body_limit:
                raise _too_large(len(data), self.limits.body_limit)
            check_json(data, json_depth=self.limits.json_depth)
        except errors.MesheryError as err:
            await self.send({"type": "websocket.close", "code": 1008, "reason": err.code})
            return {"type": "websocket.disconnect", "code": 1008}
        return message

    async def send(self, message: Message) -> None:
        if self.closed:
            return
        if message["type"] == "websocket.close":
            self.closed = True
        await self._send(message)


async def _refuse(scope: Scope, receive: Receive, send: Send, err: errors.MesheryError) -> None:
    if scope["type"] == "websocket":
        await send({"type": "websocket.close", "code": 1008, "reason": err.code})
        return
    body, headers = body_and_headers(err)
    raw = [(b"content-type", CONTENT_TYPE.encode()), (b"content-length", str(len(body)).encode())]
    raw += [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()]
    if err.status == 413:
        raw.append((b"connection", b"close"))  # the rest of the body is not read
    await send({"type": "http.response.start", "status": err.status, "headers": raw})
    await send({"type": "http.response.body", "body": body})
