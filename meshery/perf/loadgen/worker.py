"""The built-in generator's worker process: ``python -m meshery.perf.loadgen.worker``.

Protocol over pipes (one JSON object per line):

- stdin, first line: the run (``endpoints``, ``qps``, ``duration_s``, ``concurrency``, ``method``,
  ``headers`` as ``[[name, value], ...]``, ``body_b64``, ``http2``, ``timeout_s``,
  ``progress_s``, optional ``cpu`` to pin the process to one CPU). Any later line, or the end of
  stdin (the parent went away), cancels the run.
- stdout: ``{"type": "progress", ...}`` about every ``progress_s`` seconds, then exactly one
  ``{"type": "result", ...}`` (histograms HDR-encoded, so several workers' results can be merged)
  or ``{"type": "error", "message": ...}``.

uvloop is used when installed. The worker runs until its schedule is done or it is cancelled.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import os
import resource
import sys
import time
from typing import Any

from meshery.perf.loadgen import histogram
from meshery.perf.loadgen.engine import Engine
from meshery.perf.loadgen.wire import EngineSpec, clock


def _emit(message: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(message, separators=(",", ":")) + "\n")
    sys.stdout.flush()


def _cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def spec_from(message: dict[str, Any]) -> EngineSpec:
    return EngineSpec(
        endpoints=tuple(message["endpoints"]),
        qps=float(message.get("qps", 0)),
        duration_s=float(message["duration_s"]),
        concurrency=int(message.get("concurrency", 1)),
        method=str(message.get("method", "GET")),
        headers=tuple((str(k), str(v)) for k, v in message.get("headers", [])),
        body=base64.b64decode(message.get("body_b64", "")),
        http2=bool(message.get("http2", False)),
        timeout_s=float(message.get("timeout_s", 10.0)),
        insecure=bool(message.get("insecure", False)),
        ca_file=str(message.get("ca_file", "") or ""),
    )


async def run(message: dict[str, Any], stdin: asyncio.StreamReader | None) -> dict[str, Any]:
    spec = spec_from(message)
    engine = Engine(spec)
    corrected, uncorrected, errors = histogram.new(), histogram.new(), histogram.new()
    progress_s = float(message.get("progress_s", 1.0))

    def fold() -> None:
        a, b, c = engine.samples.drain()
        histogram.record_all(corrected, a)
        histogram.record_all(uncorrected, b)
        histogram.record_all(errors, c)

    async def report() -> None:
        last_n, last_t = 0, time.monotonic()
        while True:
            await asyncio.sleep(progress_s)
            fold()
            now = time.monotonic()
            n = engine.samples.requests
            _emit(
                {
                    "type": "progress",
                    "elapsed_s": round(max(0.0, clock() - engine.t0), 3) if engine.t0 else 0.0,
                    "requests": n,
                    "errors": engine.samples.failures,
                    "current_qps": round((n - last_n) / (now - last_t), 1) if now > last_t else 0.0,
                    "p50_ms": round(histogram.percentile_s(corrected, 50) * 1000, 3),
                    "p99_ms": round(histogram.percentile_s(corrected, 99) * 1000, 3),
                }
            )
            last_n, last_t = n, now

    async def watch_stdin() -> None:
        if stdin is None:
            return
        await stdin.readline()  # a line or EOF: cancel
        engine.stop()

    cpu_before = _cpu_s()
    start_wall = time.time()
    reporter = asyncio.ensure_future(report())
    watcher = asyncio.ensure_future(watch_stdin())
    try:
        await engine.run()
    finally:
        reporter.cancel()
        watcher.cancel()
    fold()
    started = engine.t0 or clock()
    samples = engine.samples
    return {
        "type": "result",
        "start": engine.wall() if engine.t0 else start_wall,
        "duration_s": max(0.0, (engine.last_done or started) - started),
        "requests": samples.requests,
        "errors": samples.failures,
        "sent": samples.sent,
        "connections": engine.conns_n,
        "codes": {str(k): v for k, v in samples.codes.items()},
        "per_endpoint": samples.per_endpoint,
        "cancelled": engine.cancelled,
        "corrected": histogram.encode(corrected),
        "uncorrected": histogram.encode(uncorrected),
        "errors_hist": histogram.encode(errors),
        "cpu_s": round(_cpu_s() - cpu_before, 3),
    }


async def _main() -> None:
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    line = await reader.readline()
    try:
        message = json.loads(line)
        cpu = message.get("cpu")
        if cpu is not None and hasattr(os, "sched_setaffinity"):
            os.sched_setaffinity(0, {int(cpu)})
        if int(message.get("nice", 0) or 0) > 0:
            os.nice(int(message["nice"]))
        result = await run(message, reader)
    except Exception as exc:  # reported to the parent, which raises a catalogued error
        _emit({"type": "error", "message": f"{type(exc).__name__}: {exc}"})
        return
    _emit(result)


def main() -> None:
    try:
        import uvloop

        uvloop.run(_main())
    except ImportError:
        asyncio.run(_main())


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        main()
