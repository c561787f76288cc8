"""What traces and metrics cost a request, against the same build with both off.

Issue 18's targets: with tracing on (100 % sampling, every span handed to the SDK's in-memory
exporter) and with metrics on, a request to the trivial ``GET /api/system/version`` and to the
database route ``GET /api/system/database`` costs at most 10 % more than with both off.

Two measurements, same variants: ``off`` (no tracer, ``METRICS_ACCESS=off``), ``traces``
(tracer, metrics off), ``metrics`` (``METRICS_ACCESS=public``, no tracer) and ``both``.

- Over HTTP (the target): a real server process per run as in ``rest`` (uvicorn, one worker),
  loaded by ``bench.loadgen``; ``traces`` runs ``bench.observed_server``, the same server with
  an in-memory exporter installed. The figure compared is the server's CPU time per request
  (its CPU seconds over the window divided by the requests served), which a busy shared
  machine disturbs far less than requests per second; req/s ratios are printed beside it.
  Each round runs every variant once, in an order rotated by one per round; a variant's ratio
  is the median over rounds of its CPU per request over off's in the same round.
- In process (the framework's share alone): process CPU time of raw ASGI calls into one app
  (``bench.inprocess.call``), without sockets or HTTP parsing, started afresh per variant
  (same exporter, through the pipeline's batches); a smaller denominator, so the same
  microseconds of a span weigh more here.

- Instructions (``--instructions``, where Valgrind is installed): the in-process requests of
  every variant counted by callgrind (``bench.instructions``), one run: figures that do not
  move with the machine's load, but blind to cache misses and system calls.

Variants alternate within each round; figures are medians over rounds.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

from bench import PROJECT_ROOT, ab, instructions, loadgen, results, servers
from bench.clients import Target
from bench.inprocess import call

VARIANTS = ("off", "traces", "metrics", "both")
ROUTES = {"version": "/api/system/version", "database": "/api/system/database"}
TARGET = 1.10


async def per_request_us(app: Any, path: str, *, n: int) -> float:
    """Process CPU microseconds per in-process GET (all threads: the exporter's too), best of three."""
    for _ in range(max(n // 10, 50)):
        await call(app, path)
    samples = []
    for _ in range(3):
        started = time.process_time()
        for _ in range(n):
            await call(app, path)
        samples.append((time.process_time() - started) / n * 1e6)
    return round(min(samples), 1)


def _switch(variant: str) -> Any:
    """Turn tracing and metrics on or off for ``variant``; the in-memory exporter when tracing."""
    from bench.observed_server import KeptSpans
    from meshery.observability import metrics, tracing
    from meshery.observability.spans import Pipeline

    metrics.enable("public" if variant in ("metrics", "both") else "off")
    if variant in ("traces", "both"):
        exporter = KeptSpans()
        tracing.install(Pipeline(exporter))  # sampling: always on (the SDK's default), exported in batches
        return exporter
    tracing.uninstall()
    return None


async def _measure(*, requests: int, rounds: int) -> tuple[dict[str, dict[str, list[float]]], dict[str, int]]:
    warnings.filterwarnings("ignore", message=r"Using `httpx` with `starlette.testclient`")
    from meshery import app as app_module
    from meshery.cli import tune_gc
    from meshery.config import Settings
    from meshery.observability import metrics, tracing

    samples: dict[str, dict[str, list[float]]] = {route: {v: [] for v in VARIANTS} for route in ROUTES}
    spans: dict[str, int] = {}
    with tempfile.TemporaryDirectory(prefix="meshery-bench-observability-") as tmp:
        app = app_module.create_app(Settings(user_data_folder=Path(tmp) / "meshery", register_static_k8s=False))
        tune_gc()  # the collector as the server sets it (meshery.cli): no full collection mid-part
        try:
            for _round in range(rounds):
                for variant in VARIANTS:
                    exporter = _switch(variant)
                    async with app.router.lifespan_context(app):
                        for route, path in ROUTES.items():
                            n = requests if route == "version" else max(requests // 5, 100)
                            samples[route][variant].append(await per_request_us(app, path, n=n))
                            if exporter is not None:
                                tracing.flush()
                                spans[f"{route} ({variant})"] = exporter.exported
                                exporter.clear()
        finally:
            tracing.uninstall()
            metrics.enable("public")
    return samples, spans


class TracedServer(servers.ServerKind):
    """Our server with the in-memory exporter installed (``bench.observed_server``)."""

    def argv(self, port: int) -> list[str]:
        return [sys.executable, "-m", "bench.observed_server"]


TRACED = TracedServer("ours-traced", "/healthz/ready")
HTTP_VARIANTS = {
    "off": (servers.OURS, {"METRICS_ACCESS": "off"}),
    "traces": (TRACED, {"METRICS_ACCESS": "off"}),
    "metrics": (servers.OURS, {"METRICS_ACCESS": "public"}),
    "both": (TRACED, {"METRICS_ACCESS": "public"}),
}


def _check(answer: Any) -> str | None:
    return None if isinstance(answer, dict) else "not a JSON object"


def _cpu_us_per_request(runs: list[ab.Run]) -> dict[str, dict[int, float]]:
    """Server CPU microseconds per request of every run (its CPU seconds over the window / requests served)."""
    found: dict[str, dict[int, float]] = {label: {} for label in HTTP_VARIANTS}
    for r in runs:
        if r.result.rps and r.result.server_cpu is not None:
            found[r.label][r.round] = r.result.server_cpu / r.result.rps * 1e6
    return found


def _paired_ratio(per_round: dict[str, dict[int, float]], variant: str) -> float | None:
    ratios = [cpu / per_round["off"][n] for n, cpu in per_round[variant].items() if per_round["off"].get(n)]
    return round(statistics.median(ratios), 3) if ratios else None


def http_run(*, load: loadgen.LoadOptions, rounds: int) -> dict[str, Any]:
    """Every variant over HTTP, interleaved, per route: median req/s, p50, server CPU per request."""
    summary: dict[str, Any] = {}
    runs: list[ab.Run] = []
    with tempfile.TemporaryDirectory(prefix="meshery-bench-observability-http-") as tmp:
        variants = [ab.Variant(label, kind, env) for label, (kind, env) in HTTP_VARIANTS.items()]
        for route, path in ROUTES.items():
            print(f"observability {route}: GET {path}", file=sys.stderr, flush=True)
            mine = ab.run_rounds(
                variants,
                case=route,
                make_target=lambda server, path=path: Target(server.url(path)),  # type: ignore[misc]
                check=_check,
                rounds=rounds,
                options=load,
                workdir=Path(tmp),
                rotate=True,
            )
            runs += mine
            figures = {label: ab.summarize(mine, label) for label in HTTP_VARIANTS}
            per_round = _cpu_us_per_request(mine)
            for label, found in figures.items():
                found["cpu_us_per_request"] = results.median(list(per_round[label].values()))
            off = figures["off"]
            summary[route] = {
                "variants": figures,
                # The main figure: in each round, the variant's CPU per request over off's in that same
                # round (paired, so a slow minute shared by both cancels), then the median over rounds.
                "ratio_cpu_per_request": {v: _paired_ratio(per_round, v) for v in VARIANTS[1:]},
                "ratio_cpu_per_request_by_round": {
                    v: [
                        results.ratio(cpu, per_round["off"][n])
                        for n, cpu in sorted(per_round[v].items())
                        if n in per_round["off"]
                    ]
                    for v in VARIANTS[1:]
                },
                "ratio_of_medians_cpu_per_request": {
                    v: results.ratio(figures[v]["cpu_us_per_request"] or 0, off["cpu_us_per_request"] or 0)
                    for v in VARIANTS[1:]
                },
                "ratio_rps": {v: results.ratio(figures[v]["rps"], off["rps"]) for v in VARIANTS[1:]},
                "errors": sum(f["errors"] for f in figures.values()),
            }
    summary["runs"] = [r.to_json() for r in runs]
    return summary


def instruction_run(*, requests: int) -> dict[str, Any]:
    """Instructions per in-process request of every variant (``bench.observability_count`` under callgrind)."""
    with tempfile.TemporaryDirectory(prefix="meshery-bench-observability-labels-") as tmp:
        labels = Path(tmp) / "labels.json"
        totals = instructions.count(
            [sys.executable, "-m", "bench.observability_count", str(labels), str(requests)], cwd=PROJECT_ROOT
        )
        parts = json.loads(labels.read_text(encoding="utf-8"))
    if len(parts) != len(totals):
        raise RuntimeError(f"{len(totals)} measured parts for {len(parts)} labels")
    per_request: dict[str, dict[str, int]] = {route: {} for route in ROUTES}
    for part, total in zip(parts, totals, strict=True):
        per_request[part["route"]][part["variant"]] = total // part["requests"]
    ratios = {route: {v: results.ratio(by[v], by["off"]) for v in VARIANTS[1:]} for route, by in per_request.items()}
    return {"instructions_per_request": per_request, "ratios": ratios, "requests": requests}


def run(*, requests: int = 2000, rounds: int = 3, load: loadgen.LoadOptions | None = None, count: bool = False) -> bool:
    counted = None
    if count:
        if instructions.available():
            print("  observability: instructions per request under callgrind (minutes)...", file=sys.stderr, flush=True)
            counted = instruction_run(requests=requests)
        else:
            print("  observability: no valgrind on this machine, instruction counts skipped", file=sys.stderr)
    http = http_run(load=load or loadgen.LoadOptions(), rounds=rounds)
    print("  observability overhead (raw ASGI calls, traces and metrics on/off)...", file=sys.stderr, flush=True)
    samples, spans = asyncio.run(_measure(requests=requests, rounds=rounds))
    figures = {route: {v: statistics.median(s) for v, s in by.items()} for route, by in samples.items()}
    ratios = {route: {v: round(by[v] / by["off"], 3) for v in VARIANTS if v != "off"} for route, by in figures.items()}
    met = all(
        (http[route]["ratio_cpu_per_request"][v] or 99) <= TARGET for route in ROUTES for v in ("traces", "metrics")
    )
    ok = all(http[route]["errors"] == 0 for route in ROUTES)
    options = load or loadgen.LoadOptions()
    path = results.write(
        "observability",
        parameters={"requests": requests, "rounds": rounds, "best_of": 3, "target": TARGET, **options.parameters()},
        figures={
            "http": http,
            "in_process": {"us_per_request": figures, "samples": samples, "ratios": ratios, "spans": spans},
            "target_met_over_http": met,
            "instructions": counted,
        },
        ok=ok,
    )
    print("\nOver HTTP: server CPU microseconds per request (median over rounds; lower is better)")
    rows = [[route, *(http[route]["variants"][v]["cpu_us_per_request"] for v in VARIANTS)] for route in ROUTES]
    print(results.table(["route", *VARIANTS], rows))
    print(f"\nOver HTTP: ratios against 'off': CPU per request (req/s in brackets); target <= {TARGET}")
    rows = [
        [route, *(f"{http[route]['ratio_cpu_per_request'][v]} ({http[route]['ratio_rps'][v]})" for v in VARIANTS[1:])]
        for route in ROUTES
    ]
    print(results.table(["route", "traces", "metrics", "both"], rows))
    print("\nIn process: CPU microseconds per request (median over rounds of best of 3; lower is better)")
    rows = [[route, *(figures[route][v] for v in VARIANTS)] for route in ROUTES]
    print(results.table(["route", *VARIANTS], rows))
    print("\nIn process: ratios against 'off' (the framework's share alone)")
    print(results.table(["route", "traces", "metrics", "both"], [[r, *ratios[r].values()] for r in ROUTES]))
    if counted is not None:
        print(f"\nIn process, under callgrind: instructions per request ({requests} requests; lower is better)")
        rows = [[route, *(counted["instructions_per_request"][route][v] for v in VARIANTS)] for route in ROUTES]
        print(results.table(["route", *VARIANTS], rows))
        print("\nIn process, under callgrind: ratios of instructions against 'off' (no cache or system-call costs)")
        rows = [[route, *counted["ratios"][route].values()] for route in ROUTES]
        print(results.table(["route", "traces", "metrics", "both"], rows))
    print(f"{'target met' if met else 'TARGET MISSED'} over HTTP; written {path.relative_to(path.parents[2])}\n")
    return ok
