"""External load generators run as subprocesses: ``wrk`` (and ``wrk2``) and ``hey``; their output parsed.

- ``wrk2`` (``-R`` rate, latency corrected for coordinated omission) when a ``wrk2`` binary is on PATH.
- ``wrk`` (Debian's wrk 4.1, no rate option): a Lua script built per run sets method, headers and
  body, cycles the paths of several endpoints of one origin, and, when a rate is requested, paces
  each wrk thread to its share of it with ``delay()`` on an absolute schedule (LuaJIT's ffi reads
  ``clock_gettime``); wrk then measures latency from the actual send (not corrected for
  coordinated omission: a note in the result says so). Its ``done()`` hook prints one JSON line
  with the summary, percentiles and errors, which ``parse_wrk`` reads.
- ``hey``: ``-q`` is a rate per worker, so the total rate is divided over ``-c`` workers; ``-o csv``
  prints every request (latency, status), so the histogram is exact. ``parse_hey_csv`` reads it.

wrk takes whole seconds (``-d``), so a duration is rounded up to the next second for it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import math
import os
import shutil
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from generated import errors
from meshery.perf.loadgen import histogram
from meshery.perf.loadgen.spec import LoadResult, LoadSpec, Progress, base_runner_results, call_progress, go_duration

log = logging.getLogger(__name__)

WRK_MARK = "MESHERY-WRK "
# wrk's done() hook: one JSON line (latencies in microseconds, as wrk keeps them).
_WRK_DONE = r"""
done = function(summary, latency, requests)
  local out = {}
  for _, p in ipairs({50, 75, 90, 99, 99.9}) do
    out[#out + 1] = "[" .. p .. "," .. latency:percentile(p) .. "]"
  end
  local e = summary.errors
  local n = summary.requests
  local mean, stdev, low, high = 0, 0, 0, 0
  if n > 0 then mean, stdev, low, high = latency.mean, latency.stdev, latency.min, latency.max end
  if mean ~= mean then mean = 0 end
  if stdev ~= stdev then stdev = 0 end
  io.write(@MARK@ .. '{"requests":' .. n .. ',"duration_us":' .. summary.duration
    .. ',"bytes":' .. summary.bytes .. ',"min_us":' .. low .. ',"max_us":' .. high
    .. ',"mean_us":' .. mean .. ',"stdev_us":' .. stdev .. ',"connect":' .. e.connect
    .. ',"read":' .. e.read .. ',"write":' .. e.write .. ',"status":' .. e.status
    .. ',"timeout":' .. e.timeout .. ',"percentiles":[' .. table.concat(out, ",") .. ']}\n')
end
"""


def _lua_string(text: str) -> str:
    return json.dumps(text)  # a JSON string literal is a valid Lua string literal for these characters


def wrk_script(spec: LoadSpec, threads: int) -> str:
    """The Lua script of one wrk run (method, headers, body, paths, pacing, JSON summary)."""
    paths = []
    for url in spec.endpoints:
        split = urlsplit(url)
        paths.append((split.path or "/") + (f"?{split.query}" if split.query else ""))
    lines = [
        f"wrk.method = {_lua_string(spec.method.upper())}",
        f"wrk.body = {_lua_string(spec.body.decode('latin-1'))}" if spec.body else "",
    ]
    for name, value in spec.request_headers():
        lines.append(f"wrk.headers[{_lua_string(name)}] = {_lua_string(value)}")
    lines.append("local paths = {" + ", ".join(_lua_string(p) for p in paths) + "}")
    if len(paths) > 1:
        lines.append(
            "local turn = 0\n"
            "request = function()\n"
            "  turn = turn % #paths + 1\n"
            "  return wrk.format(nil, paths[turn])\n"
            "end"
        )
    if spec.qps > 0:
        interval_ms = 1000.0 * threads / spec.qps
        lines.append(
            'local ffi = require("ffi")\n'
            'pcall(ffi.cdef, "typedef struct { long tv_sec; long tv_nsec; } mesh_timespec;'
            ' int clock_gettime(int, mesh_timespec *);")\n'
            'local ts = ffi.new("mesh_timespec")\n'
            "local function now_ms()\n"
            "  ffi.C.clock_gettime(1, ts)\n"
            "  return tonumber(ts.tv_sec) * 1000 + tonumber(ts.tv_nsec) / 1e6\n"
            "end\n"
            f"local interval = {interval_ms!r}\n"
            "local slot = nil\n"
            "delay = function()\n"
            "  local now = now_ms()\n"
            "  if slot == nil then slot = now end\n"
            "  local due = slot\n"
            "  slot = slot + interval\n"
            "  if due <= now then return 0 end\n"
            "  return math.floor(due - now + 0.5)\n"
            "end"
        )
    lines.append(_WRK_DONE.replace("@MARK@", _lua_string(WRK_MARK)))
    return "\n".join(line for line in lines if line) + "\n"


def parse_wrk(output: str) -> dict[str, Any]:
    """The JSON summary line our ``done()`` hook printed; ``ErrLoadGeneratorFailed`` without it."""
    for line in output.splitlines():
        if line.startswith(WRK_MARK):
            try:
                data: dict[str, Any] = json.loads(line[len(WRK_MARK) :])
            except ValueError as exc:
                raise errors.ErrLoadGeneratorFailed(f"wrk printed an unreadable summary: {exc}") from exc
            return data
    raise errors.ErrLoadGeneratorFailed("wrk printed no summary: " + " / ".join(output.strip().splitlines()[-3:]))


def parse_hey_csv(output: str) -> tuple[list[tuple[float, int]], float]:
    """``[(latency_s, status)]`` of every request of ``hey -o csv`` and the last offset (seconds)."""
    rows: list[tuple[float, int]] = []
    last = 0.0
    header: list[str] | None = None
    for line in output.splitlines():
        cells = line.strip().split(",")
        if header is None:
            if "response-time" in cells:
                header = cells
            continue
        if len(cells) != len(header):
            continue
        try:
            row = dict(zip(header, cells, strict=True))
            latency = float(row["response-time"])
            status = int(row.get("status-code", "0") or 0)
            offset = float(row.get("offset", "0") or 0)
        except ValueError:
            continue
        rows.append((latency, status))
        last = max(last, offset + latency)
    if header is None:
        raise errors.ErrLoadGeneratorFailed("hey printed no CSV: " + " / ".join(output.strip().splitlines()[-3:]))
    return rows, last


async def _run_process(
    argv: list[str],
    *,
    duration_s: float,
    generator: str,
    on_progress: Callable[[Progress], Awaitable[None] | None] | None,
    cancel: asyncio.Event | None,
) -> tuple[int, str, str, bool, float]:
    """Run ``argv``; progress lines while it runs; SIGINT on cancel (both print their summary)."""
    log.info("load test started: %s (%s)", generator, " ".join(argv[:8]))
    try:
        proc = await asyncio.create_subprocess_exec(
            *argv, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, limit=2**26
        )
    except OSError as exc:
        raise errors.ErrLoadGeneratorFailed(f"{generator} could not start: {exc}") from exc
    started = time.monotonic()
    cpu_before = _children_cpu_s()
    communicate = asyncio.ensure_future(proc.communicate())
    cancelled = False
    try:
        while not communicate.done():
            waiting: set[asyncio.Future[Any]] = {communicate}
            cancel_wait = asyncio.ensure_future(cancel.wait()) if cancel is not None and not cancelled else None
            if cancel_wait is not None:
                waiting.add(cancel_wait)
            done, _ = await asyncio.wait(waiting, timeout=1.0, return_when=asyncio.FIRST_COMPLETED)
            if cancel_wait is not None:
                cancel_wait.cancel()
            if cancel_wait is not None and cancel_wait in done and not cancelled:
                cancelled = True
                with contextlib.suppress(ProcessLookupError):
                    proc.send_signal(2)
                continue
            if not done:
                elapsed = time.monotonic() - started
                log.info("load test progress: %s, %.1f of %.1f s", generator, elapsed, duration_s)
                await call_progress(on_progress, Progress(elapsed, 0, 0, 0.0, generator=generator))
            if time.monotonic() - started > duration_s + 60:
                proc.kill()
        stdout, stderr = await communicate
    finally:
        if proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                proc.kill()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(communicate, 5)
    cpu = _children_cpu_s() - cpu_before
    return (
        proc.returncode or 0,
        stdout.decode(errors="replace"),
        stderr.decode(errors="replace"),
        cancelled,
        cpu,
    )


def _children_cpu_s() -> float:
    import resource

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def wrk_threads(spec: LoadSpec) -> int:
    return max(1, min(spec.concurrency, os.cpu_count() or 1, 4))


async def run(
    generator: str,
    spec: LoadSpec,
    *,
    on_progress: Callable[[Progress], Awaitable[None] | None] | None = None,
    cancel: asyncio.Event | None = None,
    threads: int | None = None,
) -> LoadResult:
    if generator in ("wrk", "wrk2"):
        return await _run_wrk(generator, spec, on_progress, cancel, threads)
    if generator == "hey":
        return await _run_hey(spec, on_progress, cancel)
    raise errors.ErrLoadGeneratorFailed(f"no external generator named {generator!r}")


async def _run_wrk(
    generator: str,
    spec: LoadSpec,
    on_progress: Callable[[Progress], Awaitable[None] | None] | None,
    cancel: asyncio.Event | None,
    threads: int | None,
) -> LoadResult:

    notes: list[str] = []
    binary = shutil.which("wrk2") if generator == "wrk2" else None
    ran = "wrk2" if binary else "wrk"
    binary = binary or shutil.which("wrk")
    if binary is None:
        raise errors.ErrLoadGeneratorFailed("wrk is not installed (make wrk2-setup)")
    n_threads = min(threads or wrk_threads(spec), spec.concurrency)
    seconds = max(1, math.ceil(spec.duration_s))
    if seconds != spec.duration_s:
        notes.append(f"wrk runs whole seconds: {spec.duration_s:g} s rounded up to {seconds} s")
    if ran == "wrk" and spec.qps > 0:
        notes.append(
            "wrk 4.1 has no rate option: paced by a Lua delay() schedule; its latency counts from the actual "
            "send (not corrected for coordinated omission)"
        )
    with tempfile.NamedTemporaryFile("w", suffix=".lua", prefix="meshery-wrk-", delete=False) as handle:
        handle.write(wrk_script(spec, n_threads))
        script = handle.name
    argv = [binary, "-t", str(n_threads), "-c", str(spec.concurrency), "-d", f"{seconds}s"]
    argv += ["--timeout", f"{max(1, math.ceil(spec.timeout_s))}s", "-s", script]
    if ran == "wrk2":
        argv += ["-R", str(max(1, round(spec.qps)) if spec.qps > 0 else 1_000_000_000)]
    argv.append(spec.endpoints[0])
    start = datetime.now(UTC)
    try:
        code, out, err, cancelled, cpu = await _run_process(
            argv, duration_s=seconds, generator=ran, on_progress=on_progress, cancel=cancel
        )
    finally:
        with contextlib.suppress(OSError):
            os.unlink(script)
    if code != 0 and WRK_MARK not in out:
        raise errors.ErrLoadGeneratorFailed(f"{ran} exited with status {code}: {(err or out).strip()[-300:]}")
    data = parse_wrk(out)
    return wrk_result(spec, data, ran=ran, start=start, notes=notes, cancelled=cancelled, cpu=cpu, threads=n_threads)


def wrk_result(
    spec: LoadSpec,
    data: dict[str, Any],
    *,
    ran: str,
    start: datetime,
    notes: list[str],
    cancelled: bool,
    cpu: float | None,
    threads: int,
) -> LoadResult:
    requests = int(data["requests"])
    duration = float(data["duration_us"]) / 1e6
    failures = int(data["connect"]) + int(data["read"]) + int(data["write"]) + int(data["timeout"])
    bad_status = int(data["status"])
    ok = max(0, requests - bad_status)
    actual_qps = requests / duration if duration > 0 else 0.0
    points = [(float(p), float(v) / 1e6) for p, v in data["percentiles"]]
    runner = base_runner_results(spec, ran, start, spec.concurrency)
    runner.update(
        {
            "ActualQPS": actual_qps,
            "ActualDuration": int(duration * 1e9),
            "DurationHistogram": histogram.from_points(
                count=requests,
                min_s=float(data["min_us"]) / 1e6,
                max_s=float(data["max_us"]) / 1e6,
                avg_s=float(data["mean_us"]) / 1e6,
                stddev_s=float(data["stdev_us"]) / 1e6,
                points=points,
            ),
            "RetCodes": {k: v for k, v in (("200", ok), ("-1", failures), ("non-2xx-3xx", bad_status)) if v},
            "SocketErrors": {k: int(data[k]) for k in ("connect", "read", "write", "timeout")},
            "Threads": threads,
            "CorrectedForCoordinatedOmission": ran == "wrk2",
            "Cancelled": cancelled,
        }
    )
    log.info("load test done: %s, %d requests, %.1f req/s", ran, requests, actual_qps)
    return LoadResult(
        generator=ran,
        requested_generator=spec.generator,
        start=start,
        end=datetime.fromtimestamp(start.timestamp() + duration, UTC),
        requested_qps=spec.qps,
        actual_qps=actual_qps,
        runner_results=runner,
        requests=requests,
        errors=failures + bad_status,
        cancelled=cancelled,
        notes=tuple(notes),
        generator_cpu_s=cpu,
    )


async def _run_hey(
    spec: LoadSpec,
    on_progress: Callable[[Progress], Awaitable[None] | None] | None,
    cancel: asyncio.Event | None,
) -> LoadResult:
    binary = shutil.which("hey")
    if binary is None:
        raise errors.ErrLoadGeneratorFailed("hey is not installed (make wrk2-setup)")
    notes = ["hey measures latency from the actual send (not corrected for coordinated omission)"]
    argv = [binary, "-z", go_duration(spec.duration_s), "-c", str(spec.concurrency), "-o", "csv"]
    argv += ["-m", spec.method.upper(), "-t", str(max(1, math.ceil(spec.timeout_s)))]
    if spec.qps > 0:
        argv += ["-q", f"{spec.qps / spec.concurrency:.6g}"]
    for name, value in spec.request_headers():
        if name.lower() == "content-type":
            argv += ["-T", value]
        else:
            argv += ["-H", f"{name}: {value}"]
    if spec.body:
        argv += ["-d", spec.body.decode("latin-1")]
    argv.append(spec.endpoints[0])
    start = datetime.now(UTC)
    code, out, err, cancelled, cpu = await _run_process(
        argv, duration_s=spec.duration_s, generator="hey", on_progress=on_progress, cancel=cancel
    )
    if code != 0 and "response-time" not in out:
        raise errors.ErrLoadGeneratorFailed(f"hey exited with status {code}: {(err or out).strip()[-300:]}")
    rows, last = parse_hey_csv(out)
    ok_hist, err_hist = histogram.new(), histogram.new()
    codes: dict[str, int] = {}
    for latency, status in rows:
        key = str(status) if status else "-1"
        codes[key] = codes.get(key, 0) + 1
        target = ok_hist if 200 <= status < 400 else err_hist
        histogram.record_all(target, (int(latency * 1e6),))
    both = histogram.merged(ok_hist, err_hist)
    duration = last or spec.duration_s
    requests = len(rows)
    failures = sum(n for k, n in codes.items() if not 200 <= int(k) < 400)
    actual_qps = requests / duration if duration > 0 else 0.0
    runner = base_runner_results(spec, "hey", start, spec.concurrency)
    runner.update(
        {
            "ActualQPS": actual_qps,
            "ActualDuration": int(duration * 1e9),
            "DurationHistogram": histogram.fortio(both),
            "ErrorsDurationHistogram": histogram.fortio(err_hist),
            "RetCodes": codes,
            "CorrectedForCoordinatedOmission": False,
            "Cancelled": cancelled,
        }
    )
    log.info("load test done: hey, %d requests, %.1f req/s", requests, actual_qps)
    return LoadResult(
        generator="hey",
        requested_generator=spec.generator,
        start=start,
        end=datetime.fromtimestamp(start.timestamp() + duration, UTC),
        requested_qps=spec.qps,
        actual_qps=actual_qps,
        runner_results=runner,
        requests=requests,
        errors=failures,
        cancelled=cancelled,
        notes=tuple(notes),
        generator_cpu_s=cpu,
    )
