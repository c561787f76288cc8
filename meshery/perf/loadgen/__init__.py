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

How the API uses it (agreed with perfapi)::

    result = await run_load(spec, on_progress=callback, cancel=event)
    runner_results = result.runner_results          # stored as the MesheryResult's runner_results
    smp = smp_result(result, mesh="istio", name=..) # SMP-shaped summary, when the caller wants one

``on_progress`` gets a ``Progress`` about once a second (sync or async callable); setting
``cancel`` stops the run within about 100 ms and returns the partial result (``cancelled=True``).
Failures raise catalogued errors 1910-1919 (``generated.errors``): a bad spec (1910), a worker that
cannot start (1911) or dies without a result (1912), an external generator that fails (1913).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import inspect
import json
import logging
import shutil
import sys
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from generated import errors
from meshery.perf.loadgen import histogram

log = logging.getLogger(__name__)

VERSION = "meshery-loadgen/1"
GENERATORS: tuple[str, ...] = ("builtin", "fortio", "wrk2", "nighthawk", "wrk", "hey")
CANCEL_GRACE_S = 5.0


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
    cpu: int | None = None  # pin the worker to this CPU (benchmarks)

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
        return _percentile(self.runner_results.get("DurationHistogram", {}), 50.0)

    @property
    def p99_s(self) -> float:
        return _percentile(self.runner_results.get("DurationHistogram", {}), 99.0)


ProgressCallback = Callable[[Progress], Awaitable[None] | None]


def _percentile(data: Mapping[str, Any], percentile: float) -> float:
    for row in data.get("Percentiles") or []:
        if float(row.get("Percentile", -1)) == percentile:
            return float(row.get("Value", 0.0))
    return 0.0


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
    return name, notes


def validate(spec: LoadSpec) -> None:
    if not spec.endpoints:
        raise errors.ErrLoadSpecInvalid("no endpoint to load")
    for url in spec.endpoints:
        split = urlsplit(url)
        if split.scheme not in ("http", "https") or not split.hostname:
            raise errors.ErrLoadSpecInvalid(f"not an http(s) URL: {url!r}")
    if spec.qps < 0 or spec.duration_s <= 0 or spec.concurrency < 1 or spec.timeout_s <= 0:
        raise errors.ErrLoadSpecInvalid("qps must be >= 0, duration and timeout > 0, concurrency >= 1")
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
        from meshery.perf.loadgen import external

        result = await external.run(generator, spec, on_progress=on_progress, cancel=cancel)
    result.requested_generator = spec.generator
    result.notes = (*notes, *result.notes)
    result.runner_results["RequestedLoadGenerator"] = spec.generator
    if result.notes:
        result.runner_results["Notes"] = list(result.notes)
    return result


async def _call(callback: ProgressCallback | None, progress: Progress) -> None:
    if callback is None:
        return
    try:
        outcome = callback(progress)
        if inspect.isawaitable(outcome):
            await outcome
    except Exception:  # a broken listener must not end the run
        log.exception("load test progress callback failed")


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
    }


async def _run_builtin(
    spec: LoadSpec, on_progress: ProgressCallback | None, cancel: asyncio.Event | None
) -> LoadResult:
    try:
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "meshery.perf.loadgen.worker",
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            limit=2**24,
        )
    except OSError as exc:
        raise errors.ErrLoadWorkerStart(str(exc)) from exc
    assert proc.stdin is not None and proc.stdout is not None and proc.stderr is not None
    started = datetime.now(UTC)
    proc.stdin.write(json.dumps(worker_message(spec)).encode() + b"\n")
    with contextlib.suppress(ConnectionError):
        await proc.stdin.drain()
    log.info(
        "load test started: builtin, %d endpoint(s), %s req/s, %.1f s, %d connections, worker pid %d",
        len(spec.endpoints),
        spec.qps or "max",
        spec.duration_s,
        spec.concurrency,
        proc.pid,
    )
    stderr_task = asyncio.ensure_future(proc.stderr.read())
    cancel_task = asyncio.ensure_future(cancel.wait()) if cancel is not None else None
    final: dict[str, Any] | None = None
    cancelled = False
    deadline_task: asyncio.Future[Any] | None = None
    read: asyncio.Future[bytes] | None = None
    try:
        while True:
            if read is None:
                read = asyncio.ensure_future(proc.stdout.readline())
            waiting: set[asyncio.Future[Any]] = {read}
            if cancel_task is not None and not cancelled:
                waiting.add(cancel_task)
            if deadline_task is not None:
                waiting.add(deadline_task)
            done, _ = await asyncio.wait(waiting, return_when=asyncio.FIRST_COMPLETED)
            if cancel_task is not None and cancel_task in done and not cancelled:
                cancelled = True
                log.info("load test cancelled: stopping worker pid %d", proc.pid)
                with contextlib.suppress(ConnectionError, RuntimeError):
                    proc.stdin.write(b"cancel\n")
                    await proc.stdin.drain()
                deadline_task = asyncio.ensure_future(asyncio.sleep(CANCEL_GRACE_S))
            if deadline_task is not None and deadline_task in done:
                break
            if read not in done:
                continue
            line = read.result()
            read = None
            if not line:
                break
            message = json.loads(line)
            kind = message.get("type")
            if kind == "progress":
                progress = Progress(
                    elapsed_s=float(message["elapsed_s"]),
                    requests=int(message["requests"]),
                    errors=int(message["errors"]),
                    current_qps=float(message["current_qps"]),
                    p50_ms=float(message["p50_ms"]),
                    p99_ms=float(message["p99_ms"]),
                )
                log.info(
                    "load test progress: %.1f s, %d requests, %d errors, %.0f req/s now, p50 %.2f ms, p99 %.2f ms",
                    progress.elapsed_s,
                    progress.requests,
                    progress.errors,
                    progress.current_qps,
                    progress.p50_ms,
                    progress.p99_ms,
                )
                await _call(on_progress, progress)
            elif kind == "result":
                final = message
                break
            elif kind == "error":
                raise errors.ErrLoadWorkerDied(str(message.get("message")))
    finally:
        for task in (cancel_task, deadline_task, read):
            if task is not None:
                task.cancel()
        if final is None and proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                proc.kill()
        try:
            await asyncio.wait_for(proc.wait(), 5)
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                proc.kill()
        stderr = b""
        with contextlib.suppress(Exception):
            stderr = await asyncio.wait_for(stderr_task, 1)
    if final is None:
        if cancelled:
            raise errors.ErrLoadWorkerDied("the worker did not stop within 5 s of the cancel; it was killed")
        tail = stderr.decode(errors="replace").strip().splitlines()[-3:]
        raise errors.ErrLoadWorkerDied(
            f"the worker exited with status {proc.returncode} without a result"
            + (f": {' / '.join(tail)}" if tail else "")
        )
    return builtin_result(spec, final, started)


# --- result shaping ------------------------------------------------------------------------


def go_duration(seconds: float) -> str:
    """A Go ``time.Duration`` string as fortio prints ``RequestedDuration`` (``10s``, ``1m0s``, ``1.5s``)."""
    if seconds <= 0:
        return "0s"
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


def builtin_result(spec: LoadSpec, final: Mapping[str, Any], started: datetime) -> LoadResult:
    corrected = histogram.decode(final.get("corrected", ""))
    uncorrected = histogram.decode(final.get("uncorrected", ""))
    failed = histogram.decode(final.get("errors_hist", ""))
    start = datetime.fromtimestamp(float(final.get("start", started.timestamp())), UTC)
    duration = float(final.get("duration_s", 0.0))
    requests = int(final.get("requests", 0))
    actual_qps = requests / duration if duration > 0 else 0.0
    runner = base_runner_results(spec, "builtin", start, int(final.get("connections", spec.concurrency)))
    both = histogram.new()
    both.add(corrected)
    both.add(failed)
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


def smp_result(result: LoadResult, *, mesh: str = "", name: str = "", test_id: str = "") -> dict[str, Any]:
    """The result in the shape of SMP's ``PerformanceTestResult`` (service mesh performance spec).

    Latencies in milliseconds; ``actual_qps``/``requested_qps`` per second.
    """
    rr = result.runner_results
    hist = rr.get("DurationHistogram") or {}
    ms = {f"p{p:g}".replace(".", "_"): _percentile(hist, p) * 1000 for p in histogram.PERCENTILES}
    return {
        "id": test_id,
        "name": name,
        "mesh": mesh,
        "start_time": result.start.isoformat().replace("+00:00", "Z"),
        "end_time": result.end.isoformat().replace("+00:00", "Z"),
        "load_generator": result.generator,
        "requested_load_generator": result.requested_generator,
        "endpoint_url": rr.get("URL", ""),
        "endpoints": rr.get("URLs", []),
        "requested_qps": result.requested_qps,
        "actual_qps": result.actual_qps,
        "concurrency": rr.get("NumThreads", 0),
        "duration": rr.get("RequestedDuration", ""),
        "latencies_ms": {
            "min": float(hist.get("Min", 0)) * 1000,
            "average": float(hist.get("Avg", 0)) * 1000,
            "max": float(hist.get("Max", 0)) * 1000,
            **ms,
        },
        "requests": result.requests,
        "errors": result.errors,
        "ret_codes": rr.get("RetCodes", {}),
    }
