"""Load generators of performance tests: the public interface (``run_load``) and the result shapes.

``run_load(spec)`` runs one load test and returns a ``LoadResult`` whose ``runner_results`` has the
shape upstream Meshery stores (fortio's ``HTTPRunnerResults`` JSON: ``DurationHistogram``,
``ActualQPS``, ``RequestedQPS``, ``RetCodes`` ...). Load is never generated in the caller's event
loop: the built-in generator runs in a worker process (``python -m meshery.perf.loadgen.worker``)
and ``wrk``/``hey`` run as their own processes; the caller's loop only awaits pipes.

Generators (``LoadSpec.generator``, upstream's names): ``builtin`` (ours: open-loop constant
throughput corrected for coordinated omission, see ``engine``), ``wrk`` and ``hey`` when installed
(``make wrk2-setup``), ``wrk2`` (a ``wrk2`` binary when present, else Debian's ``wrk`` paced to the
rate by a Lua script, see ``external``). ``fortio`` (the UI's default) and ``nighthawk`` have no
package here: a spec naming them, or a missing external generator, runs on ``builtin`` and the
result says so (``generator``, ``requested_generator``, ``notes``).

How the API uses it (the contract with perfapi)::

    spec = LoadSpec(endpoints=(url, ...), qps=..., duration_s=..., concurrency=...,
                    headers={...}, cookies={...}, body=b"...", content_type="...",
                    generator=profile_generator or "fortio", labels=f"{name} -_- {url}")
    result = await run_load(spec, on_progress=callback, cancel=event)
    result.runner_results   # stored as the MesheryResult's runner_results, as is
    result.generator        # the generator that ran; result.notes say why when it differs
    smp_result(result, mesh=..., name=..., test_id=...)  # SMP's result (upstream's PerformanceSpec
                                                          # JSON names); perfapi stores/answers it

``on_progress`` gets a ``Progress`` about every ``progress_s`` (sync or async callable; an error
in it is logged, never ends the run); setting ``cancel`` stops the run within about 100 ms and
returns the partial result (``cancelled=True``). Progress and the outcome are also logged (logger
``meshery.perf.loadgen``: counts, rate, p50/p99). Optional fields: ``http2``, ``timeout_s``,
``insecure``/``ca_file`` (HTTPS), ``processes`` (worker processes), ``nice`` (lower the workers'
priority under a busy API), ``cpu`` (pin, for benchmarks), ``progress_s``.

``runner_results`` keys: fortio's ``RunType, Labels, StartTime, RequestedQPS ("max" or the
number as text), RequestedDuration (Go duration text), ActualQPS, ActualDuration (ns), NumThreads,
Version, DurationHistogram, ErrorsDurationHistogram, RetCodes ({"200": n, "-1": no answer}), URL,
SocketCount, Exactly, Jitter, Uniform, NoCatchUp, RunID, AccessLoggerInfo, ID, AbortOn``; and
``LoadGenerator`` (also as ``load-generator``), ``RequestedLoadGenerator``, ``URLs``,
``RequestsPerURL``, ``UncorrectedDurationHistogram``, ``CorrectedForCoordinatedOmission``,
``HTTP2``, ``Cancelled``, ``Notes`` when any. Histograms are in seconds.

Failures raise catalogued errors 1910-1913 (``generated.errors``): a bad spec
(``ErrLoadSpecInvalid``, 422), a worker that cannot start (``ErrLoadWorkerStart``) or dies
without a result (``ErrLoadWorkerDied``), an external generator that fails
(``ErrLoadGeneratorFailed``, 502).
"""

from __future__ import annotations

import asyncio
import base64
import logging
import shutil
import sys
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from generated import errors
from meshery.perf.loadgen import external, histogram, workers
from meshery.perf.loadgen.spec import (
    GENERATORS,
    VERSION,
    LoadResult,
    LoadSpec,
    Progress,
    ProgressCallback,
    base_runner_results,
    call_progress,
    go_duration,
    percentile,
    requested_qps_text,
)

log = logging.getLogger(__name__)

# The worker's command line (tests point it at a process that dies, to check the error).
WORKER_COMMAND: tuple[str, ...] = (sys.executable, "-m", "meshery.perf.loadgen.worker")


# --- generators -----------------------------------------------------------------------------


def available_generators() -> dict[str, bool]:
    """Which generators this machine can run (``fortio`` and ``nighthawk`` run on ``builtin``)."""
    return {
        "builtin": True,
        "wrk": shutil.which("wrk") is not None,
        "wrk2": shutil.which("wrk2") is not None or shutil.which("wrk") is not None,
        "hey": shutil.which("hey") is not None,
        "fortio": False,
        "nighthawk": False,
    }


def resolve_generator(requested: str, spec: LoadSpec) -> tuple[str, list[str]]:
    """The generator that will run for ``requested``, and notes saying why when it differs."""
    name = (requested or "builtin").strip().lower()
    notes: list[str] = []
    have = available_generators()
    if name in ("builtin", ""):
        return "builtin", notes
    if name not in GENERATORS:
        notes.append(f"unknown load generator {requested!r}; ran on the built-in generator")
        return "builtin", notes
    if name in ("fortio", "nighthawk"):
        notes.append(f"{name} is not available on this server; ran on the built-in generator")
        return "builtin", notes
    if spec.http2:
        notes.append(f"{name} does not speak HTTP/2 here; ran on the built-in generator")
        return "builtin", notes
    if not have.get(name):
        notes.append(f"{name} is not installed (see `make wrk2-setup`); ran on the built-in generator")
        return "builtin", notes
    if name == "hey" and len(spec.endpoints) > 1:
        notes.append("hey loads one URL; several endpoints ran on the built-in generator")
        return "builtin", notes
    if name in ("wrk", "wrk2") and not _same_origin(spec.endpoints):
        notes.append(f"{name} loads one host; endpoints on several hosts ran on the built-in generator")
        return "builtin", notes
    if name == "wrk2" and shutil.which("wrk2") is None:
        notes.append("wrk2 is not installed; ran on wrk (Debian's wrk 4.1, see `make wrk2-setup`)")
    return name, notes


def _same_origin(endpoints: tuple[str, ...]) -> bool:
    return len({(s.scheme, s.hostname, s.port) for s in (urlsplit(u) for u in endpoints)}) == 1


def validate(spec: LoadSpec) -> None:
    if not spec.endpoints:
        raise errors.ErrLoadSpecInvalid("no endpoint to load")
    for url in spec.endpoints:
        split = urlsplit(url)
        if split.scheme not in ("http", "https") or not split.hostname:
            raise errors.ErrLoadSpecInvalid(f"not an http(s) URL: {url!r}")
    if spec.qps < 0 or spec.duration_s <= 0 or spec.concurrency < 1 or spec.timeout_s <= 0:
        raise errors.ErrLoadSpecInvalid("qps must be >= 0, duration and timeout > 0, concurrency >= 1")
    if not 0 <= spec.nice <= 19:
        raise errors.ErrLoadSpecInvalid("nice must be between 0 and 19")
    if not 1 <= spec.processes <= 64:
        raise errors.ErrLoadSpecInvalid("processes must be between 1 and 64")
    if not spec.method or not spec.method.isalpha():
        raise errors.ErrLoadSpecInvalid(f"not an HTTP method: {spec.method!r}")


# --- running --------------------------------------------------------------------------------


async def run_load(
    spec: LoadSpec,
    *,
    on_progress: ProgressCallback | None = None,
    cancel: asyncio.Event | None = None,
) -> LoadResult:
    """Run one load test outside this event loop and return its result (partial when cancelled)."""
    validate(spec)
    generator, notes = resolve_generator(spec.generator, spec)
    for note in notes:
        log.info("load test: %s", note)
    if generator == "builtin":
        result = await _run_builtin(spec, on_progress, cancel)
    else:
        result = await external.run(generator, spec, on_progress=on_progress, cancel=cancel)
    result.requested_generator = spec.generator
    result.notes = (*notes, *result.notes)
    result.runner_results["RequestedLoadGenerator"] = spec.generator
    if result.notes:
        result.runner_results["Notes"] = list(result.notes)
    return result


def worker_message(spec: LoadSpec) -> dict[str, Any]:
    return {
        "endpoints": list(spec.endpoints),
        "qps": spec.qps,
        "duration_s": spec.duration_s,
        "concurrency": spec.concurrency,
        "method": spec.method.upper(),
        "headers": spec.request_headers(),
        "body_b64": base64.b64encode(spec.body).decode("ascii"),
        "http2": spec.http2,
        "timeout_s": spec.timeout_s,
        "progress_s": spec.progress_s,
        "cpu": spec.cpu,
        "nice": spec.nice,
        "insecure": spec.insecure,
        "ca_file": spec.ca_file,
    }


async def _run_builtin(
    spec: LoadSpec, on_progress: ProgressCallback | None, cancel: asyncio.Event | None
) -> LoadResult:
    started = datetime.now(UTC)
    messages = workers.split(worker_message(spec), spec.processes)
    log.info(
        "load test started: builtin, %d endpoint(s), %s req/s, %.1f s, %d connections, %d worker process(es)",
        len(spec.endpoints),
        spec.qps or "max",
        spec.duration_s,
        spec.concurrency,
        len(messages),
    )

    async def progress(message: dict[str, Any]) -> None:
        report = Progress(
            elapsed_s=float(message["elapsed_s"]),
            requests=int(message["requests"]),
            errors=int(message["errors"]),
            current_qps=float(message["current_qps"]),
            p50_ms=float(message["p50_ms"]),
            p99_ms=float(message["p99_ms"]),
        )
        log.info(
            "load test progress: %.1f s, %d requests, %d errors, %.0f req/s now, p50 %.2f ms, p99 %.2f ms",
            report.elapsed_s,
            report.requests,
            report.errors,
            report.current_qps,
            report.p50_ms,
            report.p99_ms,
        )
        await call_progress(on_progress, report)

    final = await workers.run(WORKER_COMMAND, messages, on_progress=progress, cancel=cancel)
    return builtin_result(spec, final, started)


# --- result shaping ------------------------------------------------------------------------


def builtin_result(spec: LoadSpec, final: Mapping[str, Any], started: datetime) -> LoadResult:
    corrected = histogram.decode(final.get("corrected", ""))
    uncorrected = histogram.decode(final.get("uncorrected", ""))
    failed = histogram.decode(final.get("errors_hist", ""))
    start = datetime.fromtimestamp(float(final.get("start", started.timestamp())), UTC)
    duration = float(final.get("duration_s", 0.0))
    requests = int(final.get("requests", 0))
    actual_qps = requests / duration if duration > 0 else 0.0
    runner = base_runner_results(spec, "builtin", start, int(final.get("connections", spec.concurrency)))
    both = histogram.merged(corrected, failed)
    runner.update(
        {
            "ActualQPS": actual_qps,
            "ActualDuration": int(duration * 1e9),
            "DurationHistogram": histogram.fortio(both),
            "ErrorsDurationHistogram": histogram.fortio(failed),
            "UncorrectedDurationHistogram": histogram.fortio(uncorrected),
            "CorrectedForCoordinatedOmission": spec.qps > 0,
            "RetCodes": dict(final.get("codes", {})),
            "RequestsPerURL": dict(zip(spec.endpoints, final.get("per_endpoint", []), strict=False)),
            "Sent": int(final.get("sent", requests)),
            "Cancelled": bool(final.get("cancelled", False)),
        }
    )
    end = datetime.fromtimestamp(start.timestamp() + duration, UTC)
    log.info(
        "load test done: builtin, %d requests, %d errors, %.1f req/s (requested %s), p50 %.3f ms, p99 %.3f ms",
        requests,
        int(final.get("errors", 0)),
        actual_qps,
        requested_qps_text(spec.qps),
        histogram.percentile_s(corrected, 50) * 1000,
        histogram.percentile_s(corrected, 99) * 1000,
    )
    return LoadResult(
        generator="builtin",
        requested_generator=spec.generator,
        start=start,
        end=end,
        requested_qps=spec.qps,
        actual_qps=actual_qps,
        runner_results=runner,
        requests=requests,
        errors=int(final.get("errors", 0)),
        cancelled=bool(final.get("cancelled", False)),
        generator_cpu_s=final.get("cpu_s"),
    )


SMP_VERSION = "v0.0.1"


def smp_result(
    result: LoadResult,
    *,
    mesh: str = "",
    name: str = "",
    test_id: str = "",
    mesh_config_id: str = "",
    env_id: str = "",
    details_uri: str = "",
) -> dict[str, Any]:
    """The result as SMP's performance test result (upstream's ``PerformanceSpec``), in its JSON names.

    ``smp_version, id, labels, start_time, end_time, latencies {min, average, p50, p90, p99, max}``
    (milliseconds), ``actual_qps, details_uri, test_id, mesh_config_id, env_id``; then what SMP's
    test configuration says about the client (``load_generator``, ``connections``, ``rps``,
    ``endpoint_url``) and the counts, for callers that show them.
    """
    rr = result.runner_results
    hist = rr.get("DurationHistogram") or {}
    labels = {"name": name, "mesh": mesh} if name or mesh else {}
    return {
        "smp_version": SMP_VERSION,
        "id": test_id,
        "labels": labels,
        "start_time": result.start.isoformat().replace("+00:00", "Z"),
        "end_time": result.end.isoformat().replace("+00:00", "Z"),
        "latencies": {
            "min": float(hist.get("Min", 0)) * 1000,
            "average": float(hist.get("Avg", 0)) * 1000,
            "p50": percentile(hist, 50.0) * 1000,
            "p90": percentile(hist, 90.0) * 1000,
            "p99": percentile(hist, 99.0) * 1000,
            "max": float(hist.get("Max", 0)) * 1000,
        },
        "actual_qps": result.actual_qps,
        "details_uri": details_uri,
        "test_id": test_id,
        "mesh_config_id": mesh_config_id,
        "env_id": env_id,
        "load_generator": result.generator,
        "requested_load_generator": result.requested_generator,
        "connections": rr.get("NumThreads", 0),
        "rps": result.requested_qps,
        "endpoint_url": rr.get("URLs", [rr.get("URL", "")]),
        "duration": rr.get("RequestedDuration", ""),
        "requests": result.requests,
        "errors": result.errors,
        "ret_codes": rr.get("RetCodes", {}),
    }


__all__ = [
    "GENERATORS",
    "VERSION",
    "LoadResult",
    "LoadSpec",
    "Progress",
    "ProgressCallback",
    "available_generators",
    "go_duration",
    "requested_qps_text",
    "run_load",
    "smp_result",
]
