"""The shapes of a load test: its spec, progress and result, and the fortio fields every generator shares.

Kept apart from ``meshery.perf.loadgen`` (which runs tests) so the generators' modules can use
them without importing the package that imports them.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

log = logging.getLogger("meshery.perf.loadgen")

VERSION = "meshery-loadgen/1"
GENERATORS: tuple[str, ...] = ("builtin", "fortio", "wrk2", "nighthawk", "wrk", "hey")


@dataclass(frozen=True)
class LoadSpec:
    """One load test. ``qps`` is the total requested rate; 0 is as fast as possible (closed loop)."""

    endpoints: tuple[str, ...]
    qps: float
    duration_s: float
    concurrency: int
    method: str = "GET"
    headers: Mapping[str, str] = field(default_factory=dict)
    cookies: Mapping[str, str] = field(default_factory=dict)
    body: bytes = b""
    content_type: str = ""
    http2: bool = False
    generator: str = "builtin"
    timeout_s: float = 10.0
    labels: str = ""  # fortio's Labels; upstream sets "<test name> -_- <url>"
    progress_s: float = 1.0
    cpu: int | None = None  # pin the worker(s) to this CPU (benchmarks)
    insecure: bool = False  # HTTPS without checking the certificate (fortio's -k)
    ca_file: str = ""  # HTTPS: trust this CA bundle besides the system's
    nice: int = 0  # raise the workers' niceness (0-19) so that a busy API process keeps the CPU first
    processes: int = 1  # worker processes of the built-in generator (connections and rate split between them)

    def request_headers(self) -> list[tuple[str, str]]:
        """Headers as sent: the spec's, Content-Type, and a Cookie header built from ``cookies``."""
        out = [(str(k), str(v)) for k, v in self.headers.items()]
        names = {k.lower() for k, _ in out}
        if self.content_type and "content-type" not in names:
            out.append(("Content-Type", self.content_type))
        if self.cookies:
            jar = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
            existing = [i for i, (k, _) in enumerate(out) if k.lower() == "cookie"]
            if existing:
                name, value = out[existing[0]]
                out[existing[0]] = (name, f"{value}; {jar}")
            else:
                out.append(("Cookie", jar))
        return out


@dataclass
class Progress:
    """A running test's figures so far (``p50_ms``/``p99_ms`` corrected, cumulative)."""

    elapsed_s: float
    requests: int
    errors: int
    current_qps: float
    p50_ms: float = 0.0
    p99_ms: float = 0.0
    generator: str = "builtin"


@dataclass
class LoadResult:
    generator: str
    requested_generator: str
    start: datetime
    end: datetime
    requested_qps: float
    actual_qps: float
    runner_results: dict[str, Any]
    requests: int = 0
    errors: int = 0
    cancelled: bool = False
    notes: tuple[str, ...] = ()
    generator_cpu_s: float | None = None

    @property
    def p50_s(self) -> float:
        return percentile(self.runner_results.get("DurationHistogram", {}), 50.0)

    @property
    def p99_s(self) -> float:
        return percentile(self.runner_results.get("DurationHistogram", {}), 99.0)


ProgressCallback = Callable[[Progress], Awaitable[None] | None]


def percentile(data: Mapping[str, Any], percentile: float) -> float:
    for row in data.get("Percentiles") or []:
        if float(row.get("Percentile", -1)) == percentile:
            return float(row.get("Value", 0.0))
    return 0.0


async def call_progress(callback: ProgressCallback | None, progress: Progress) -> None:
    if callback is None:
        return
    try:
        outcome = callback(progress)
        if inspect.isawaitable(outcome):
            await outcome
    except Exception:  # a broken listener must not end the run
        log.exception("load test progress callback failed")


def go_duration(seconds: float) -> str:
    """A Go ``time.Duration`` string as fortio prints ``RequestedDuration`` (``10s``, ``1m0s``, ``1.5s``)."""
    if seconds <= 0:
        return "0s"
    if seconds < 1:  # Go prints sub-second durations in ms, µs or ns
        for unit, scale in (("ms", 1e3), ("µs", 1e6), ("ns", 1e9)):
            if seconds * scale >= 1:
                return f"{round(seconds * scale, 6):.6f}".rstrip("0").rstrip(".") + unit
    total = round(seconds, 9)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    text = f"{secs:.9f}".rstrip("0").rstrip(".") + "s"
    if hours:
        return f"{int(hours)}h{int(minutes)}m{text}"
    if minutes:
        return f"{int(minutes)}m{text}"
    return text


def requested_qps_text(qps: float) -> str:
    if qps <= 0:
        return "max"
    return f"{qps:g}"


def base_runner_results(spec: LoadSpec, generator: str, start: datetime, connections: int) -> dict[str, Any]:
    return {
        "RunType": "HTTP",
        "Labels": spec.labels or spec.endpoints[0],
        "StartTime": start.isoformat().replace("+00:00", "Z"),
        "RequestedQPS": requested_qps_text(spec.qps),
        "RequestedDuration": go_duration(spec.duration_s),
        "NumThreads": connections,
        "Version": VERSION,
        "Exactly": 0,
        "Jitter": False,
        "Uniform": False,
        "NoCatchUp": False,
        "RunID": 0,
        "AccessLoggerInfo": "",
        "ID": "",
        "URL": spec.endpoints[0],
        "URLs": list(spec.endpoints),
        "SocketCount": connections,
        "AbortOn": 0,
        "LoadGenerator": generator,
        "load-generator": generator,
        "HTTP2": spec.http2,
    }
