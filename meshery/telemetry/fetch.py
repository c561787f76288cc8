"""The one way telemetry reaches a user-given URL (Grafana, Prometheus connections).

Every outbound request of ``meshery.telemetry`` goes through ``fetch``, which hands it to the
server's one URL fetcher (``meshery.fetch``: address policy after resolution, a total deadline,
the answer streamed up to a size limit); redirects are not followed. Failures are raised as
catalogued errors that name the target's host and one uniform reason, never the target's body
(which may echo credentials or internals) nor whether a port was open.
"""

from __future__ import annotations

import base64
import json
import logging
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from generated import errors
from meshery import fetch as fetcher

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
        reply = await fetcher.request(
            url, method=method, params=params, headers=headers, limit=limit, deadline=deadline, redirects=0,
            ok_only=False,
        )
    except fetcher.FetchError as exc:
        log.info("telemetry %s %s%s not fetched: %s", method, target.host, path, exc.reason)
        if exc.too_large:
            raise errors.ErrTelemetryAnswer(f"{target.host}{path} answered more than {limit} bytes") from None
        raise errors.ErrTelemetryUnreachable(f"{target.host} {fetcher.NOT_FETCHED}") from None
    log.debug("telemetry %s %s%s -> %d in %.3fs", method, target.host, path, reply.status, time.monotonic() - started)
    return Reply(reply.status, reply.content)


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
