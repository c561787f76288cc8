"""Turn any failure into the MeshKit JSON envelope with a catalogued code.

Used by the REST stack (Connexion error handlers), the outer Starlette app
and GraphQL's HTTP transport, so every non-2xx answer has one shape. Internal
failures are logged with their traceback and answered without it.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from connexion.exceptions import (
    BadRequestProblem,
    ExtraParameterProblem,
    Forbidden,
    ProblemException,
    Unauthorized,
    UnsupportedMediaTypeProblem,
)
from connexion.lifecycle import ConnexionRequest, ConnexionResponse
from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException
from starlette.requests import Request
from starlette.responses import Response

from generated import errors
from generated.operations import OPERATIONS

log = logging.getLogger(__name__)

CONTENT_TYPE = "application/json; charset=utf-8"
BASE_HEADERS = {"X-Content-Type-Options": "nosniff"}


def to_meshery_error(exc: BaseException) -> errors.MesheryError:
    """The catalogued error for any exception raised while serving a request."""
    if isinstance(exc, errors.MesheryError):
        return exc
    if isinstance(exc, ProblemException):
        # JSON-schema messages append the schema and instance after a blank line.
        detail = str(exc.detail or exc.title or "").split("\n\n", 1)[0]
        if isinstance(exc, ExtraParameterProblem):
            return errors.ErrUnknownParameter(detail)
        if isinstance(exc, UnsupportedMediaTypeProblem):
            return errors.ErrUnsupportedMediaType(detail)
        if isinstance(exc, Unauthorized):
            return errors.ErrUnauthenticated(detail or None)
        if isinstance(exc, BadRequestProblem) or exc.status == 400:
            return errors.ErrRequestValidation(detail)
        if exc.status == 404:
            return errors.ErrRouteNotFound(detail or None)
        if exc.status == 405:
            return errors.ErrMethodNotAllowed(detail or None)
        if 400 <= exc.status < 500:
            return errors.ErrRequestValidation(detail, status=exc.status)
    if isinstance(exc, UnicodeDecodeError):
        return errors.ErrRequestValidation("the request body is not valid UTF-8")
    if isinstance(exc, MultiPartException) or type(exc).__module__.startswith("python_multipart"):
        return errors.ErrRequestValidation(f"malformed multipart body: {exc}")
    if isinstance(exc, Forbidden):
        return errors.ErrForbidden(str(exc.detail or "") or None)
    if isinstance(exc, HTTPException):
        headers = dict(exc.headers or {})
        if exc.status_code == 404:
            return errors.ErrRouteNotFound(None, headers=headers)
        if exc.status_code == 405:
            allow = headers.get("Allow", "")
            return errors.ErrMethodNotAllowed(f"allowed: {allow}" if allow else None, headers=headers)
        if 400 <= exc.status_code < 500:
            return errors.ErrRequestValidation(str(exc.detail), status=exc.status_code, headers=headers)
    log.error("unhandled %s while serving a request", type(exc).__name__, exc_info=exc)
    return errors.ErrInternal()


def spec_methods(path: str) -> list[str]:
    """The methods the spec declares for a path, sorted (Starlette only knows the first matching route's).

    The most specific template wins, as in routing (``.../resources/summary`` over
    ``.../resources/{id}``), and a final ``{param}`` of format path may span several segments.
    """
    parts = path.strip("/").split("/")
    by_literals: dict[tuple[int, bool], set[str]] = {}
    for info in OPERATIONS.values():
        template = info.path.strip("/").split("/")
        greedy = template[-1].startswith("{") and len(parts) > len(template)
        if len(template) != len(parts) and not greedy:
            continue
        if all(t == p or (t.startswith("{") and t.endswith("}")) for t, p in zip(template, parts, strict=False)):
            # Ties (upstream's /models/{model} and /{entityType}/status both match
            # /models/status) go to the template ending in a literal segment.
            literals = (sum(1 for t in template if not t.startswith("{")), not template[-1].startswith("{"))
            by_literals.setdefault(literals, set()).add(info.method)
    methods = by_literals[max(by_literals)] if by_literals else set()
    if "GET" in methods:
        methods.add("HEAD")
    return sorted(methods)


def allowed_methods(path: str) -> str:
    """``spec_methods`` as an ``Allow`` header value."""
    return ", ".join(spec_methods(path))


ECHO_LIMIT = 2000
"""Longest text of an error answer: a message echoing a 5 MB value is cut to this many characters."""


def shorten(text: str, limit: int = ECHO_LIMIT) -> str:
    """``text`` cut in the middle to ``limit`` characters (its start and end say what and why)."""
    if len(text) <= limit:
        return text
    head = limit * 3 // 4
    tail = limit - head
    return f"{text[:head]} ... [{len(text) - limit} characters left out] ... {text[-tail:]}"


def _shortened(envelope: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in envelope.items():
        if isinstance(value, str):
            out[key] = shorten(value)
        elif isinstance(value, list):
            out[key] = [shorten(v) if isinstance(v, str) else v for v in value]
        else:
            out[key] = value
    return out


def body_and_headers(err: errors.MesheryError) -> tuple[bytes, dict[str, str]]:
    body = json.dumps(_shortened(err.envelope()), separators=(",", ":")).encode()
    return body, {**BASE_HEADERS, **err.headers}


def starlette_response(err: errors.MesheryError) -> Response:
    body, headers = body_and_headers(err)
    return Response(body, status_code=err.status, headers=headers, media_type=CONTENT_TYPE)


async def connexion_handler(_request: ConnexionRequest, exc: Exception) -> ConnexionResponse:
    """Error handler registered on the Connexion app for every exception."""
    err = to_meshery_error(exc)
    if isinstance(err, errors.ErrMethodNotAllowed):
        allow = allowed_methods(_request.url.path)
        if allow:
            err = errors.ErrMethodNotAllowed(f"allowed: {allow}", headers={**err.headers, "Allow": allow})
    if err.status < 500:
        log.info("%s %s -> %s %s", _request.method, _request.url.path, err.status, err.code)
    body, headers = body_and_headers(err)
    return ConnexionResponse(status_code=err.status, body=body, headers=headers, content_type=CONTENT_TYPE)


async def starlette_handler(_request: Request, exc: Exception) -> Response:
    """Exception handler of the outer Starlette app (GraphQL, playground, SSE)."""
    return starlette_response(to_meshery_error(exc))

