"""What a load-test request asks for, read as upstream's ``LoadTestHandler`` reads it.

Three sources: the query of ``/api/perf/profile`` (``name``, ``url``, ``qps``, ``c``, ``t`` +
``dur``, ``headers``/``cookies`` as JSON objects, ``reqBody``, ``contentType``,
``loadGenerator``, ``mesh``, ``uuid``), a stored profile (whose values the query overrides, as
the UI sends them again), and an SMP ``PerformanceTestConfig`` body. Numbers are read as Go's
``strconv`` with the errors ignored, as upstream: an unreadable ``t`` or ``c`` is 1, ``qps`` 0.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from generated import errors
from meshery.perf import loadgen, profiles
from meshery.perf.runs import Plan
from meshery.store import perf as repo

_UNITS = {"h": 3600.0, "m": 60.0, "s": 1.0}
SMP_MESHES = (
    "APP_MESH", "CITRIX_SERVICE_MESH", "CONSUL", "ISTIO", "KUMA", "LINKERD", "TRAEFIK_MESH", "OCTARINE",
    "NETWORK_SERVICE_MESH", "TANZU", "OPEN_SERVICE_MESH", "NGINX_SERVICE_MESH", "CILIUM_SERVICE_MESH",
)  # fmt: skip
_SMP_TYPES = ("ALL_MESH", "INVALID_MESH", *SMP_MESHES)


@dataclass(frozen=True)
class Query:
    """The query parameters of a run request (None: not given)."""

    name: str | None = None
    mesh: str | None = None
    uuid: str | None = None
    headers: str | None = None
    cookies: str | None = None
    content_type: str | None = None
    req_body: str | None = None
    t: str | None = None
    dur: str | None = None
    c: str | None = None
    url: str | None = None
    qps: str | None = None
    load_generator: str | None = None


def mesh_names() -> list[str]:
    """SMP's service mesh names as upstream lists them (``/api/mesh``): "Istio", "App Mesh", ..."""
    return [m.replace("_", " ").title() for m in SMP_MESHES]


def _atoi(text: str | None) -> int:
    try:
        return int((text or "").strip())
    except ValueError:
        return 0


def _float(text: str | None) -> float:
    try:
        value = float((text or "").strip())
    except ValueError:
        return 0.0
    return value if math.isfinite(value) else 0.0


def endpoints(text: str) -> tuple[str, ...]:
    """One URL, or several as a JSON array; each an absolute http(s) URL."""
    value = text.strip()
    urls: Any = [value]
    if value.startswith("["):
        try:
            urls = json.loads(value)
        except ValueError:
            raise errors.ErrPerfTestInvalid("url is not a JSON array of URLs") from None
    if not isinstance(urls, list) or not urls:
        raise errors.ErrPerfTestInvalid("url names no endpoint")
    for url in urls:
        split = urlsplit(str(url))
        if split.scheme not in ("http", "https") or not split.hostname:
            raise errors.ErrPerfTestInvalid(f"url {str(url)[:200]!r} is not an absolute http(s) URL")
    return tuple(str(u) for u in urls)


def _duration(t: str | None, dur: str | None) -> float:
    seconds = max(_atoi(t), 1) * _UNITS.get((dur or "s").strip().lower(), 1.0)
    if seconds > profiles.MAX_DURATION_S:
        raise errors.ErrPerfTestInvalid("the test is longer than 24h")
    return seconds


def _spec(
    *, urls: tuple[str, ...], qps: float, duration_s: float, concurrency: int, generator: str,
    headers: str, cookies: str, body: str, content_type: str, strict: bool = True,
) -> loadgen.LoadSpec:  # fmt: skip
    error = errors.ErrPerfTestInvalid if strict else None
    return loadgen.LoadSpec(
        endpoints=urls,
        qps=max(qps, 0.0),
        duration_s=duration_s,
        concurrency=max(concurrency, 1),
        method="POST" if body else "GET",
        headers=profiles.json_object(headers, "headers", error),
        cookies=profiles.json_object(cookies, "cookies", error),
        body=body.encode(),
        content_type=content_type,
        generator=(generator or "fortio").strip().lower(),
        # About once a second, and a few times during a short run.
        progress_s=min(1.0, max(duration_s / 5, 0.1)),
    )


def from_query(query: Query, *, user_id: str) -> Plan:
    """An ad-hoc test (``/api/perf/profile``): ``name`` and ``url`` are required."""
    name = (query.name or "").strip()
    if not name:
        raise errors.ErrPerfTestInvalid("the test needs a name")
    if not (query.url or "").strip():
        raise errors.ErrPerfTestInvalid("the test needs a url")
    spec = _spec(
        urls=endpoints(query.url or ""),
        qps=_float(query.qps),
        duration_s=_duration(query.t, query.dur),
        concurrency=_atoi(query.c),
        generator=query.load_generator or "",
        headers=query.headers or "",
        cookies=query.cookies or "",
        body=query.req_body or "",
        content_type=query.content_type or "",
    )
    return _plan(spec, name=name, user_id=user_id, mesh=query.mesh or "", test_id=query.uuid or "", profile_id=None)


def from_profile(row: repo.PerfProfileRow, query: Query, *, user_id: str, trigger: str = "request") -> Plan:
    """A run of a stored profile; what the query gives overrides the profile's value."""

    def given(value: str | None) -> bool:
        return value is not None and value.strip() != ""

    def pick(value: str | None, stored: str) -> str:
        return value if value is not None and value.strip() != "" else stored

    urls = endpoints(query.url or "") if given(query.url) else tuple(row.endpoints or ())
    if not urls:
        raise errors.ErrPerfTestInvalid(f"profile {row.id} has no endpoint")
    endpoints(json.dumps(list(urls)))
    duration_s = _duration(query.t, query.dur) if given(query.t) else profiles.duration_seconds(row.duration)
    if duration_s > profiles.MAX_DURATION_S:
        raise errors.ErrPerfTestInvalid(f"profile {row.id} runs longer than 24h ({row.duration})")
    generators = list(row.load_generators or [])
    spec = _spec(
        urls=urls,
        qps=_float(query.qps) if given(query.qps) else float(row.qps),
        duration_s=max(duration_s, 0.001),
        concurrency=_atoi(query.c) if given(query.c) else row.concurrent_request,
        generator=pick(query.load_generator, generators[0] if generators else ""),
        headers=pick(query.headers, row.request_headers),
        cookies=pick(query.cookies, row.request_cookies),
        body=pick(query.req_body, row.request_body),
        content_type=pick(query.content_type, row.content_type),
        strict=given(query.headers) or given(query.cookies),
    )
    return _plan(
        spec,
        name=(query.name or "").strip() or row.name,
        user_id=user_id,
        mesh=query.mesh or row.service_mesh,
        test_id=query.uuid or "",
        profile_id=row.id,
        trigger=trigger,
    )


def _field(obj: Mapping[str, Any], *names: str) -> Any:
    for name in names:
        if obj.get(name) is not None:
            return obj[name]
    return None


def from_smp(body: Mapping[str, Any], *, user_id: str) -> Plan:
    """An SMP test configuration: ``{"config": {...}, "service_mesh": {"type": ...}}`` or the config itself."""
    config = body.get("config") if isinstance(body.get("config"), dict) else body
    assert isinstance(config, Mapping)
    name = str(config.get("name") or "").strip()
    if not name:
        raise errors.ErrPerfTestInvalid("the SMP configuration has no name")
    clients = config.get("clients")
    if not isinstance(clients, list) or not clients or not isinstance(clients[0], dict):
        raise errors.ErrPerfTestInvalid("the SMP configuration has no client")
    client = clients[0]
    urls = _field(client, "endpoint_urls", "endpointUrls")
    if not isinstance(urls, list) or not urls:
        raise errors.ErrPerfTestInvalid("the SMP client has no endpoint_urls")
    try:
        duration_s = profiles.duration_seconds(str(config.get("duration") or "1s"))
    except errors.ErrPerfProfileInvalid as exc:
        raise errors.ErrPerfTestInvalid(str(exc)) from None
    if duration_s > profiles.MAX_DURATION_S:
        raise errors.ErrPerfTestInvalid("the test is longer than 24h")
    mesh = body.get("service_mesh") or body.get("serviceMesh") or {}
    mesh_type = mesh.get("type") if isinstance(mesh, dict) else None
    if isinstance(mesh_type, int) and 0 <= mesh_type < len(_SMP_TYPES):
        mesh_name = _SMP_TYPES[mesh_type]
    else:
        mesh_name = str(mesh_type or "")
    spec = _spec(
        urls=endpoints(json.dumps([str(u) for u in urls])),
        qps=_float(str(_field(client, "rps", "qps") or 0)),
        duration_s=max(duration_s, 1.0),
        concurrency=_atoi(str(_field(client, "connections") or 1)),
        generator=str(_field(client, "load_generator", "loadGenerator") or ""),
        headers=json.dumps(client.get("headers")) if isinstance(client.get("headers"), dict) else "",
        cookies=json.dumps(client.get("cookies")) if isinstance(client.get("cookies"), dict) else "",
        body=str(client.get("body") or ""),
        content_type=str(_field(client, "content_type", "contentType") or ""),
    )
    return _plan(spec, name=name, user_id=user_id, mesh=mesh_name, test_id="", profile_id=_profile_id(config))


def _plan(
    spec: loadgen.LoadSpec, *, name: str, user_id: str, mesh: str, test_id: str, profile_id: str | None,
    trigger: str = "request",
) -> Plan:  # fmt: skip
    return Plan(
        spec=spec, name=name[:255], user_id=user_id, mesh=mesh, test_id=test_id, profile_id=profile_id, trigger=trigger
    )


def _profile_id(config: Mapping[str, Any]) -> str | None:
    value = config.get("id")
    return str(value) if value else None
