"""The load generator, run as its own process: ``python -m bench.loadgen --url ...`` prints one JSON result.

It opens N keep-alive connections, runs a warm-up, then measures for a fixed duration:
requests/s of 200 responses completed in the window, p50/p99/mean latency, every error,
and the CPU share used in the window by itself and (Linux, with ``--server-pid``) by the
server, so a reader can tell which side was the bottleneck. ``measure`` is what the
benchmarks call: it spawns this module, waits for it, and parses its answer.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field

from bench import PROJECT_ROOT
from bench.clients import RUNNERS, Target
from bench.recorder import Recorder, percentile_ms


@dataclass(frozen=True)
class LoadResult:
    """One measured run; ``errors`` covers warm-up and window."""

    requests: int
    errors: int
    window_s: float
    rps: float
    p50_ms: float
    p99_ms: float
    mean_ms: float
    client_cpu: float
    server_cpu: float | None
    error_kinds: dict[str, int] = field(default_factory=dict)


def _process_cpu_s(pid: int) -> float | None:
    """User + system CPU seconds of ``pid`` from /proc (None where /proc is missing)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _own_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def generate(
    target: Target, *, connections: int, duration: float, warmup: float, client: str, server_pid: int | None
) -> LoadResult:
    """Run the load in this process and measure it."""
    recorder = Recorder()
    stop = asyncio.Event()
    load = asyncio.ensure_future(RUNNERS[client](target, connections=connections, recorder=recorder, stop=stop))
    await asyncio.sleep(warmup)
    server_before = _process_cpu_s(server_pid) if server_pid else None
    own_before, started = _own_cpu_s(), time.perf_counter()
    recorder.recording = True
    await asyncio.sleep(duration)
    recorder.recording = False
    window = time.perf_counter() - started
    own_after = _own_cpu_s()
    server_after = _process_cpu_s(server_pid) if server_pid else None
    stop.set()
    await asyncio.wait_for(load, timeout=15)
    samples = sorted(recorder.latencies_ns)
    server_cpu = None if server_before is None or server_after is None else (server_after - server_before) / window
    return LoadResult(
        requests=len(samples),
        errors=recorder.errors,
        window_s=round(window, 3),
        rps=round(len(samples) / window, 1),
        p50_ms=round(percentile_ms(samples, 0.50), 3),
        p99_ms=round(percentile_ms(samples, 0.99), 3),
        mean_ms=round(sum(samples) / len(samples) / 1e6, 3) if samples else 0.0,
        client_cpu=round((own_after - own_before) / window, 2),
        server_cpu=None if server_cpu is None else round(server_cpu, 2),
        error_kinds=dict(recorder.error_kinds),
    )


def _loop_factory(name: str) -> Callable[[], asyncio.AbstractEventLoop]:
    if name == "uvloop":
        import uvloop

        return uvloop.new_event_loop
    return asyncio.new_event_loop


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench.loadgen", description=__doc__)
    parser.add_argument("--url", required=True)
    parser.add_argument("--method", default="GET")
    parser.add_argument("--body", default="", help="request body (text)")
    parser.add_argument("--header", action="append", default=[], help="'Name: value', repeatable")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--duration", type=float, default=5.0)
    parser.add_argument("--warmup", type=float, default=1.0)
    parser.add_argument("--client", choices=sorted(RUNNERS), default="raw")
    parser.add_argument("--loop", choices=["uvloop", "asyncio"], default="uvloop")
    parser.add_argument("--server-pid", type=int, default=None)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    headers = dict(h.split(":", 1) for h in args.header)
    target = Target(
        url=args.url,
        method=args.method.upper(),
        body=args.body.encode(),
        headers={k.strip(): v.strip() for k, v in headers.items()},
    )
    try:
        with asyncio.Runner(loop_factory=_loop_factory(args.loop)) as runner:
            result = runner.run(
                generate(
                    target,
                    connections=args.connections,
                    duration=args.duration,
                    warmup=args.warmup,
                    client=args.client,
                    server_pid=args.server_pid,
                )
            )
    except KeyboardInterrupt:
        return 130
    print(json.dumps(asdict(result)))
    return 0


@dataclass(frozen=True)
class LoadOptions:
    """How hard and how long the benchmarks drive a server."""

    connections: int = 16
    duration: float = 5.0
    warmup: float = 1.0
    client: str = "raw"

    def parameters(self) -> dict[str, object]:
        return {"connections": self.connections, "duration_s": self.duration, "warmup_s": self.warmup,
                "client": self.client}  # fmt: skip


def measure(target: Target, *, options: LoadOptions, server_pid: int | None = None) -> LoadResult:
    """Run the load generator in its own process against ``target`` and return its result."""
    argv = [
        sys.executable, "-m", "bench.loadgen", "--url", target.url, "--method", target.method,
        "--connections", str(options.connections), "--duration", str(options.duration),
        "--warmup", str(options.warmup), "--client", options.client,
    ]  # fmt: skip
    if target.body:
        argv += ["--body", target.body.decode()]
    for name, value in target.headers.items():
        argv += ["--header", f"{name}: {value}"]
    if server_pid is not None:
        argv += ["--server-pid", str(server_pid)]
    proc = subprocess.Popen(argv, cwd=PROJECT_ROOT, stdout=subprocess.PIPE, text=True)
    try:
        out, _ = proc.communicate(timeout=options.warmup + options.duration + 60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    if proc.returncode != 0:
        raise RuntimeError(f"load generator exited with {proc.returncode}")
    return LoadResult(**json.loads(out))


if __name__ == "__main__":
    sys.exit(main())
