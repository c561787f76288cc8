"""Helpers handlers use to answer: JSON from Pydantic models, plain text."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from pydantic import BaseModel

JSON = {"Content-Type": "application/json"}
TEXT = {"Content-Type": "text/plain"}

Answer = tuple[Any, int, dict[str, str]]


def json(model: BaseModel | dict[str, Any] | list[Any], status: int = 200) -> Answer:
    """A JSON answer with upstream field names (aliases) and no nulls for unset fields."""
    body = model.model_dump(mode="json", by_alias=True, exclude_none=True) if isinstance(model, BaseModel) else model
    return body, status, JSON


def text(body: str, status: int = 200) -> Answer:
    return body, status, TEXT


SSE_RETRY_MS = 5000


def event_stream(events: AsyncIterator[str]) -> Any:
    """A text/event-stream answer: each item becomes one ``data:`` event."""
    from starlette.responses import StreamingResponse

    async def frames() -> AsyncIterator[bytes]:
        yield f"retry: {SSE_RETRY_MS}\n\n".encode()  # how long EventSource waits before reconnecting
        async for item in events:
            yield f"data: {item}\n\n".encode()

    return StreamingResponse(frames(), media_type="text/event-stream", headers={"Cache-Control": "no-cache"})
