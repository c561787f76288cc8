"""The one way out of a REST handler: every handler result passes through ``finish``.

``wrap`` puts ``finish`` around a handler (keeping its signature, which the
request layer reads to pass parameters), so no route can skip it. ``finish``
turns what a handler returned into what goes on the wire for that operation;
encoding the answer from the operation's response schema belongs here.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import Any

Handler = Callable[..., Awaitable[Any]]


def finish(operation_id: str, result: Any) -> Any:
    """What a handler of ``operation_id`` returned, as its answer (currently unchanged)."""
    del operation_id
    return result


def wrap(operation_id: str, handler: Handler) -> Handler:
    """``handler`` with ``finish`` applied to its result; same name and signature."""

    @functools.wraps(handler)
    async def answered(*args: Any, **kwargs: Any) -> Any:
        return finish(operation_id, await handler(*args, **kwargs))

    return answered
