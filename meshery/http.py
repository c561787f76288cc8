"""Helpers handlers use to answer: JSON values, text, HTML, redirects, SSE, raw bytes.

A JSON answer is a value (a dict by Python or wire names, a dataclass, an ORM row, a model)
that ``meshery.answers`` validates and encodes with the operation's generated answer type.

Redirects (which may set several cookies) and event streams are Starlette
responses, which Connexion passes through unchanged; handlers build them
here so they need not import Starlette.
"""

from __future__ import annotations

import asyncio
import contextlib
import json as _json
import weakref
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from starlette.responses import RedirectResponse, Response, StreamingResponse

JSON = {"Content-Type": "application/json"}
TEXT = {"Content-Type": "text/plain"}
HTML = {"Content-Type": "text/html"}
NO_CACHE = {"Cache-Control": "no-cache, no-store, must-revalidate", "Pragma": "no-cache", "Expires": "0"}

Answer = tuple[Any, int, dict[str, str]]
Raw = Response
# What a handler may return: an answer for Connexion to serialise, or a finished response.
Reply = Answer | Response


def json(value: Any, status: int = 200) -> Answer:
    """A JSON answer: ``value`` goes on the wire as the operation's response schema names it."""
    return value, status, JSON


def text(body: str, status: int = 200) -> Answer:
    return body, status, TEXT


def raw(
    body: bytes, status: int = 200, *, media_type: str = "application/json", headers: dict[str, str] | None = None
) -> Response:
    """Bytes already serialised (e.g. JSON assembled from stored text); Connexion passes them through unchanged."""
    return Response(body, status_code=status, media_type=media_type, headers=headers)


def html(body: str, status: int = 200) -> Answer:
    return body, status, HTML


@dataclass(frozen=True)
class Cookie:
    """A cookie to set (or, with ``max_age=0`` and an empty value, to clear)."""

    name: str
    value: str
    max_age: int | None = None
    http_only: bool = True
    secure: bool = False
    same_site: str = "lax"


def redirect(location: str, *, cookies: tuple[Cookie, ...] | list[Cookie] = (), status: int = 302) -> Response:
    """A redirect that is never cached (upstream's login routes send NoCache headers)."""
    response = RedirectResponse(location, status_code=status, headers=NO_CACHE)
    for c in cookies:
        response.set_cookie(
            c.name,
            c.value,
            max_age=c.max_age,
            path="/",
            httponly=c.http_only,
            secure=c.secure,
            samesite=c.same_site,  # type: ignore[arg-type]
        )
    return response


def event_stream(events: AsyncIterator[Any], *, retry_ms: int | None = None) -> Response:
    """Server-sent events: each item is sent as one ``data:`` line of JSON.

    ``retry_ms`` first tells EventSource clients how long to wait before reconnecting, for
    streams that end (and are meant to be resumed) rather than run forever.
    """

    async def body() -> AsyncIterator[bytes]:
        stop = asyncio.Event()
        _OPEN_STREAMS.add(stop)
        try:
            if retry_ms is not None:
                yield f"retry: {retry_ms}\n\n".encode()
            async for item in _until_stopped(events, stop):
                yield f"data: {_json.dumps(item, separators=(',', ':'))}\n\n".encode()
        finally:
            _OPEN_STREAMS.discard(stop)

    return StreamingResponse(body(), media_type="text/event-stream", headers={"Cache-Control": "no-cache"})


# The stop signals of the open ``event_stream`` answers (a graceful stop ends them all).
_OPEN_STREAMS: weakref.WeakSet[asyncio.Event] = weakref.WeakSet()


def end_event_streams() -> int:
    """End every open ``event_stream`` answer cleanly (its body ends); returns how many."""
    stops = list(_OPEN_STREAMS)
    for stop in stops:
        stop.set()
    return len(stops)


async def _until_stopped(events: AsyncIterator[Any], stop: asyncio.Event) -> AsyncIterator[Any]:
    """``events``' items until it ends or ``stop`` is set."""
    iterator = aiter(events)
    stopped = asyncio.ensure_future(stop.wait())
    try:
        while True:
            item = asyncio.ensure_future(anext(iterator))
            await asyncio.wait({item, stopped}, return_when=asyncio.FIRST_COMPLETED)
            if not item.done():
                item.cancel()
                with contextlib.suppress(asyncio.CancelledError, StopAsyncIteration):
                    await item
                return
            try:
                yield item.result()
            except StopAsyncIteration:
                return
    finally:
        stopped.cancel()
        closer = getattr(iterator, "aclose", None)
        if closer is not None:
            with contextlib.suppress(Exception):
                await closer()
