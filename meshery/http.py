"""Helpers handlers use to answer: JSON from Pydantic models, plain text, pre-serialised bytes."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel
from starlette.responses import Response

JSON = {"Content-Type": "application/json"}
TEXT = {"Content-Type": "text/plain"}

Answer = tuple[Any, int, dict[str, str]]
# What a handler may return: an answer for Connexion to serialise, or a finished response.
Reply = Answer | Response


def json(model: BaseModel | dict[str, Any] | list[Any], status: int = 200) -> Answer:
    """A JSON answer with upstream field names (aliases) and no nulls for unset fields."""
    body = model.model_dump(mode="json", by_alias=True, exclude_none=True) if isinstance(model, BaseModel) else model
    return body, status, JSON


def text(body: str, status: int = 200) -> Answer:
    return body, status, TEXT


def raw(
    body: bytes, status: int = 200, *, media_type: str = "application/json", headers: dict[str, str] | None = None
) -> Response:
    """Bytes already serialised (e.g. JSON assembled from stored text); Connexion passes them through unchanged."""
    return Response(body, status_code=status, media_type=media_type, headers=headers)
