"""Performance profiles and results: read, list, save and delete the caller's, announce changes.

Profiles are read in either spelling upstream's clients send (the UI's snake_case, the
camelCase of ``@meshery/schemas``). Every change is published on the bus (``PROFILES_CHANGED``,
``RESULTS_CHANGED``) so the GraphQL subscriptions of every replica push a fresh page.
"""

from __future__ import annotations

import json
import logging
import re
import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from generated import errors
from meshery.bus import BusError
from meshery.context import Services
from meshery.perf import wire
from meshery.store import perf as repo

log = logging.getLogger(__name__)

PROFILES_CHANGED = "meshery.perf.profiles.changed"
RESULTS_CHANGED = "meshery.perf.results.changed"
DEFAULT_DURATION = "30s"
_GO_DURATION = re.compile(r"^(?:(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h))+$")
_UNIT_S = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}
MAX_DURATION_S = 24 * 3600.0
ID_LENGTH = 36  # ids are UUIDs (longer ones name nothing stored)
PageQuery = repo.PageQuery  # one page of a list (page, size, search, order)


def duration_seconds(text: str) -> float:
    """Seconds of a Go duration ("30s", "1m30s", "1.5h"); a catalogued 400 when malformed."""
    value = (text or "").strip()
    if not _GO_DURATION.fullmatch(value):
        raise errors.ErrPerfProfileInvalid(f"duration {value[:32]!r} is not a Go duration such as 30s, 5m or 1h")
    return sum(float(n) * _UNIT_S[u] for n, u in re.findall(r"(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)", value))


def json_object(
    text: str, what: str, error: type[errors.MesheryError] | None = errors.ErrPerfTestInvalid
) -> dict[str, str]:
    """Headers or cookies given as a JSON object (upstream's ``jsonToMap``); empty text is none.

    With ``error`` None (a stored profile's text, which upstream stores unchecked) text that is
    not a JSON object is no headers, as upstream's ``jsonToMap`` answers.
    """
    if not (text or "").strip():
        return {}
    try:
        value = json.loads(text)
    except ValueError:
        value = None
    if not isinstance(value, dict):
        if error is None:
            return {}
        raise error(f"{what} is not a JSON object")
    return {str(k): str(v) for k, v in value.items()}


def _pick(body: Mapping[str, Any], snake: str, camel: str, default: Any = None) -> Any:
    if body.get(snake) is not None:
        return body[snake]
    if body.get(camel) is not None:
        return body[camel]
    return default


def _int(value: Any, what: str) -> int:
    try:
        number = int(float(value))
    except (TypeError, ValueError):
        raise errors.ErrPerfProfileInvalid(f"{what} is not a number") from None
    if number < 0:
        raise errors.ErrPerfProfileInvalid(f"{what} is negative")
    return number


def _strings(value: Any, what: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise errors.ErrPerfProfileInvalid(f"{what} must be a list of strings")
    return [v.strip() for v in value if v.strip()]


def read_profile(
    body: Mapping[str, Any], *, user_id: str, now: datetime, existing: repo.PerfProfileRow | None
) -> repo.PerfProfileRow:
    """A profile row from a request body (both spellings); ``existing`` keeps its creation time."""
    name = str(body.get("name") or (existing.name if existing else "")).strip()
    if not name:
        raise errors.ErrPerfProfileInvalid("name is required")
    duration = str(body.get("duration") or (existing.duration if existing else DEFAULT_DURATION)).strip()
    duration_seconds(duration)
    headers = str(_pick(body, "request_headers", "requestHeaders", "") or "")
    cookies = str(_pick(body, "request_cookies", "requestCookies", "") or "")
    metadata = body.get("metadata")
    if metadata is not None and not isinstance(metadata, dict):
        raise errors.ErrPerfProfileInvalid("metadata must be an object")
    schedule = body.get("schedule")
    return repo.PerfProfileRow(
        id=existing.id if existing else str(body.get("id") or uuid.uuid4()),
        user_id=user_id,
        name=name[:255],
        schedule_id=str(schedule) if schedule else None,
        load_generators=_strings(_pick(body, "load_generators", "loadGenerators"), "load_generators") or ["fortio"],
        endpoints=_strings(body.get("endpoints"), "endpoints"),
        service_mesh=str(_pick(body, "service_mesh", "serviceMesh", "") or ""),
        concurrent_request=_int(_pick(body, "concurrent_request", "concurrentRequest", 1), "concurrent_request"),
        qps=_int(body.get("qps") or 0, "qps"),
        duration=duration,
        request_headers=headers,
        request_cookies=cookies,
        request_body=str(_pick(body, "request_body", "requestBody", "") or ""),
        content_type=str(_pick(body, "content_type", "contentType", "") or ""),
        meta=dict(metadata or {}),
        last_run=existing.last_run if existing else None,
        created_at=existing.created_at if existing else now,
        updated_at=now,
    )


async def announce(services: Services, subject: str, user_id: str | None) -> None:
    try:
        await services.bus.publish(subject, json.dumps({"user_id": user_id}).encode())
    except BusError as exc:
        log.warning("perf change not published on %s: %s", subject, exc)


async def get_profile(services: Services, profile_id: str) -> repo.PerfProfileRow:
    row = await repo.get(services.store, repo.PerfProfileRow, profile_id)
    if row is None:
        raise errors.ErrPerfProfileNotFound(f"no performance profile {profile_id}")
    return row  # type: ignore[no-any-return]


async def exists(services: Services, profile_id: str) -> bool:
    """True when the caller has a profile of this id."""
    return await repo.get(services.store, repo.PerfProfileRow, profile_id) is not None


async def profile_wire(services: Services, row: repo.PerfProfileRow) -> dict[str, Any]:
    counts = await repo.result_counts(services.store, [row.id])
    return wire.profile(row, total_results=counts.get(row.id, 0))


async def save_profile(
    services: Services, user_id: str, body: Mapping[str, Any], *, profile_id: str | None = None, now: datetime
) -> dict[str, Any]:
    """Create or update a profile; with ``profile_id`` (PUT) the profile must be the caller's."""
    wanted = profile_id or (str(body["id"]) if body.get("id") else None)
    if wanted is not None and len(wanted) > ID_LENGTH:
        raise errors.ErrPerfProfileNotFound(f"no performance profile {wanted[:64]}")
    existing = await repo.get(services.store, repo.PerfProfileRow, wanted) if wanted else None
    if profile_id is not None and existing is None:
        raise errors.ErrPerfProfileNotFound(f"no performance profile {profile_id}")
    row = read_profile(body, user_id=user_id, now=now, existing=existing)
    if row.schedule_id is not None and await repo.get(services.store, repo.ScheduleRow, row.schedule_id) is None:
        raise errors.ErrScheduleNotFound(f"schedule {row.schedule_id} is not one of your schedules")
    saved = await repo.save(services.store, row)
    await announce(services, PROFILES_CHANGED, user_id)
    return await profile_wire(services, saved)


async def list_profiles(services: Services, query: repo.PageQuery) -> dict[str, Any]:
    rows, total = await repo.list_profiles(services.store, query)
    counts = await repo.result_counts(services.store, [r.id for r in rows])
    items = [wire.profile(r, total_results=counts.get(r.id, 0)) for r in rows]
    return wire.page("profiles", items, page=query.page, page_size=query.page_size, total=total)


async def delete_profile(services: Services, user_id: str, profile_id: str) -> dict[str, Any]:
    row = await get_profile(services, profile_id)
    answer = await profile_wire(services, row)
    if await repo.remove(services.store, repo.PerfProfileRow, profile_id) is None:
        raise errors.ErrPerfProfileNotFound(f"no performance profile {profile_id}")
    await announce(services, PROFILES_CHANGED, user_id)
    return answer


async def get_result(services: Services, result_id: str) -> dict[str, Any]:
    row = await repo.get(services.store, repo.PerfResultRow, result_id)
    if row is None:
        raise errors.ErrPerfResultNotFound(f"no performance result {result_id}")
    return wire.result(row)


async def list_results(
    services: Services,
    query: repo.PageQuery,
    *,
    profile_id: str | None = None,
    start_from: datetime | None = None,
    start_to: datetime | None = None,
) -> dict[str, Any]:
    rows, total = await repo.list_results(
        services.store, query, profile_id=profile_id, start_from=start_from, start_to=start_to
    )
    items = [wire.result(r) for r in rows]
    return wire.page("results", items, page=query.page, page_size=query.page_size, total=total)
