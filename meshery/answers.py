"""The one way out of a REST handler: every handler result passes through ``finish``.

``wrap`` puts ``finish`` around a handler (keeping its signature, which the
request layer reads to pass parameters), so no route can skip it. ``finish``
encodes what a handler returned with the operation's generated answer type
(``generated.answers.ANSWERS``, one per operation and 2xx JSON status):
pydantic-core validates the value (a model, a dataclass or ORM row read by
attribute, or a dict keyed by wire or Python names) and serializes it by wire
name, leaving out what the handler did not set. A value that does not fit the
spec is refused with a catalogued error and logged, never sent.

Passed through unchanged: finished Starlette responses (streams, redirects,
downloads, hot lists already serialized from named SQL columns), non-JSON
answers (text, HTML) and statuses the spec gives no JSON schema.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from pydantic import BaseModel, TypeAdapter, ValidationError
from starlette.responses import Response

from generated import answers, errors

Handler = Callable[..., Awaitable[Any]]
JSON_MEDIA = "application/json"

log = logging.getLogger(__name__)
_adapters: dict[tuple[str, int], TypeAdapter[Any] | None] = {}


def adapter(operation_id: str, status: int) -> TypeAdapter[Any] | None:
    """The encoder of one operation and status (built on first use), or None when the spec has none."""
    key = (operation_id, status)
    try:
        return _adapters[key]
    except KeyError:
        kind = answers.ANSWERS.get(key)
        _adapters[key] = found = None if kind is None else TypeAdapter(kind)
        return found


def encode(operation_id: str, status: int, value: Any) -> bytes | None:
    """The JSON bytes of ``value`` as the answer of ``operation_id`` with ``status`` (None: no schema).

    Raises ``ErrAnswerUnfit`` when the value does not fit the response schema.
    """
    encoder = adapter(operation_id, status)
    if encoder is None:
        return None
    if isinstance(value, BaseModel):
        value = value.model_dump(mode="json", by_alias=True, exclude_none=True)
    try:
        checked = encoder.validate_python(value, from_attributes=True)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = "/".join(str(p) for p in first["loc"]) or "(root)"
        log.error(
            "answer of %s (%d) does not fit its schema: %d problem(s), first at %s: %s",
            operation_id,
            status,
            exc.error_count(),
            where,
            first["msg"],
        )
        raise errors.ErrAnswerUnfit(f"{operation_id} {status}: {where}: {first['msg']}") from exc
    return encoder.dump_json(checked, by_alias=True, exclude_unset=True)


def finish(operation_id: str, result: Any) -> Any:
    """What a handler of ``operation_id`` returned, as its answer: encoded JSON, or unchanged."""
    if isinstance(result, Response):
        return result
    body, status, headers = _parts(result)
    if headers.get("Content-Type", JSON_MEDIA) != JSON_MEDIA:
        return result
    payload = encode(operation_id, status, body)
    if payload is None:
        if isinstance(body, BaseModel):  # a status without a JSON schema: the model as it names itself
            return body.model_dump(mode="json", by_alias=True, exclude_none=True), status, headers
        return result
    return Response(payload, status_code=status, headers={**headers, "Content-Type": JSON_MEDIA})


def _parts(result: Any) -> tuple[Any, int, dict[str, str]]:
    """(body, status, headers) of a Connexion-style result: a body, or a 2- or 3-tuple."""
    if isinstance(result, tuple):
        if len(result) == 3:
            return result[0], int(result[1]), dict(result[2] or {})
        if len(result) == 2:
            return result[0], int(result[1]), {}
    return result, 200, {}


def wrap(operation_id: str, handler: Handler) -> Handler:
    """``handler`` with ``finish`` applied to its result; same name and signature."""

    @functools.wraps(handler)
    async def answered(*args: Any, **kwargs: Any) -> Any:
        return finish(operation_id, await handler(*args, **kwargs))

    return answered
