"""The one way telemetry reaches a user-given URL (Grafana, Prometheus connections).

Every outbound request of ``meshery.telemetry`` goes through ``fetch``: http(s) only, a total
deadline, redirects not followed, and the answer read as a stream up to a size limit. Failures
are raised as catalogued errors that name the target's host and the kind of failure, never the
target's body (which may echo credentials or internals). Kept in one module so that the
project's single URL fetcher can replace it in one place.
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx

from generated import errors

log = logging.getLogger(__name__)

Params = list[tuple[str, str | int | float | bool | None]] | dict[str, str]

DEADLINE = 15.0  # seconds for the whole exchange (connect, send, read)
MAX_BODY = 16 * 1024 * 1024  # upstream caps answers at 16 MiB


@dataclass(frozen=True)
class Target:
    """A telemetry endpoint: its base URL and the Authorization header of its credential."""

    base_url: str
    authorization: str | None = None

    @property
    def host(self) -> str:
        return urlsplit(self.base_url).netloc


@dataclass(frozen=True)
class Reply:
    status: int
    body: bytes

    def json(self) -> Any:
        try:
            return json.loads(self.body)
        except ValueError:
            return None


def authorization(secret: str) -> str | None:
    """Upstream's reading of a telemetry secret: ``user:password`` is Basic auth, else a bearer token."""
    secret = secret.strip()
    if not secret:
        return None
    if ":" in secret:
        return "Basic " + base64.b64encode(secret.encode()).decode()
    return "Bearer " + secret


def base_url(raw: str) -> str:
    """A connection's URL as a base: http(s) only, no query or fragment, no trailing slash."""
    text = raw.strip()
    try:
        parts = urlsplit(text)
        _ = parts.port  # a port that is not a number is refused here, not at the first request
    except ValueError:
        raise errors.ErrTelemetryUrlInvalid("the URL cannot be parsed") from None
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise errors.ErrTelemetryUrlInvalid("the URL must be an absolute http:// or https:// URL")
    path = parts.path.rstrip("/")
    return f"{parts.scheme}://{parts.netloc}{path}"


async def fetch(
    target: Target,
    path: str,
    *,
    params: Params | None = None,
    method: str = "GET",
    deadline: float | None = None,
    limit: int | None = None,
) -> Reply:
    """``method`` ``path`` (absolute, starting with ``/``) of the target; any status is returned.

    Raises ``ErrTelemetryUnreachable`` when the target cannot be reached in time and
    ``ErrTelemetryAnswer`` when its answer is larger than ``limit``.
    """
    deadline = DEADLINE if deadline is None else deadline
    limit = MAX_BODY if limit is None else limit
    headers = {"Accept": "application/json"}
    if target.authorization:
        headers["Authorization"] = target.authorization
    url = target.base_url + path
    started = time.monotonic()
    try:
        async with (
            asyncio.timeout(deadline),
            httpx.AsyncClient(follow_redirects=False, timeout=deadline) as client,
            client.stream(method, url, params=params, headers=headers) as response,
        ):
            chunks: list[bytes] = []
            size = 0
            async for chunk in response.aiter_bytes():
                size += len(chunk)
                if size > limit:
                    raise errors.ErrTelemetryAnswer(f"{target.host}{path} answered more than {limit} bytes")
                chunks.append(chunk)
            status = response.status_code
    except TimeoutError:
        raise errors.ErrTelemetryUnreachable(f"{target.host} did not answer within {deadline:g}s") from None
    except (httpx.HTTPError, httpx.InvalidURL, UnicodeError, ValueError) as exc:
        raise errors.ErrTelemetryUnreachable(f"{target.host}: {type(exc).__name__}") from None
    log.debug("telemetry %s %s%s -> %d in %.3fs", method, target.host, path, status, time.monotonic() - started)
    return Reply(status, b"".join(chunks))


def check(reply: Reply, target: Target, path: str) -> Reply:
    """The reply when it is a 2xx; otherwise the catalogued error for its status (no body)."""
    if 200 <= reply.status < 300:
        return reply
    where = f"{target.host}{path.split('?', 1)[0]}"
    if reply.status in (401, 403):
        raise errors.ErrTelemetryAuth(f"{where} answered {reply.status}")
    raise errors.ErrTelemetryStatus(f"{where} answered {reply.status}")


async def get_json(target: Target, path: str, *, params: Params | None = None) -> Any:
    """GET ``path`` and decode its JSON (catalogued errors for failures and non-JSON answers)."""
    reply = check(await fetch(target, path, params=params), target, path)
    data = reply.json()
    if data is None:
        raise errors.ErrTelemetryAnswer(f"{target.host}{path} did not answer JSON")
    return data
