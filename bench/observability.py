"""What traces and metrics cost a request, against the same build with both off.

Issue 18's targets: with tracing on (100 % sampling, every span handed to the SDK's in-memory
exporter) and with metrics on, a request to the trivial ``GET /api/system/version`` and to the
database route ``GET /api/system/database`` costs at most 10 % more than with both off.

Variants: ``off`` (no tracer, ``METRICS_ACCESS=off``), ``traces`` (tracer, metrics off),
``metrics`` (``METRICS_ACCESS=public``, no tracer), ``both``, and ``off2``: the ``off`` build
again, measured like the others. ``off2``/``off`` is what two identical servers differ by in
this run: the noise floor any other ratio has to be read against.

- Over HTTP (the target): a real server process per run as in ``rest`` (uvicorn, one worker,
  ``PYTHONHASHSEED=0`` for every variant so that no process is luckier in its dict layouts),
  loaded by ``bench.loadgen``; ``traces`` runs ``bench.observed_server``, the same server with
  an in-memory exporter installed. The figure compared is the server's CPU time per request
  (its CPU seconds over the window divided by the requests served). Each round runs every
  variant once, in an order rotated by one per round. Two ratios per variant: of the
  minimum over rounds (the least disturbed run of each: interference from other processes
  only ever adds time, which is why ``timeit`` reports the minimum too; the target is judged
  on this one) and the median over rounds of its CPU per request over off's in the same round.
- Over uvicorn's protocol in process (``bench.wire``): the server's whole per-request path
  (HTTP parsing, request task, the app, the answer's encoding) with 16 connections in flight,
  minus sockets and the kernel, in one process whose variants are switched between blocks of
  requests (rotated per round). Without the kernel's share the denominator is smaller, so
  the same microseconds of a span weigh more: a stricter figure, and a steadier one.
- Instructions (``--instructions``, where Valgrind is installed): the same in-process
  requests counted by callgrind (``bench.instructions``), one run, the timer-driven loops
  stopped (``bench.wire.quiet``): figures that do not move with the machine's load, but
  blind to cache misses and system calls.
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
from bench.wire import Wire, quiet

VARIANTS = ("off", "traces", "metrics", "both")
CALIBRATION = "off2"
MEASURED = (*VARIANTS, CALIBRATION)
ROUTES = {"version": "/api/system/version", "database": "/api/system/database"}
TARGET = 1.10
WIRE_CONNECTIONS = 16
HASH_SEED = {"PYTHONHASHSEED": "0"}


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


def requests_for(route: str, requests: int) -> int:
    """Requests per measured block: a fifth as many on the database route (each costs ~50x more)."""
    return requests if route == "version" else max(requests // 5, 100)


async def _wire_block(wire: Wire, path: str, requests: int) -> float:
    """Process CPU microseconds per request (every thread: the exporter's too) of one block after a warm-up."""
    batches = max(requests // wire.width, 1)
    await wire.run(path, max(batches // 4, 2))
    started = time.process_time()
    await wire.run(path, batches)
    return (time.process_time() - started) / (batches * wire.width) * 1e6


async def _measure(*, requests: int, rounds: int) -> tuple[dict[str, dict[str, list[float]]], dict[str, int]]:
    """Every variant in one process, over uvicorn's protocol: rotated rounds of one block per variant and route."""
    warnings.filterwarnings("ignore", message=r"Using `httpx` with `starlette.testclient`")
    from meshery import app as app_module
    from meshery.cli import tune_gc
    from meshery.config import Settings
    from meshery.observability import metrics, tracing

    samples: dict[str, dict[str, list[float]]] = {route: {v: [] for v in MEASURED} for route in ROUTES}
    spans: dict[str, int] = {}
    with tempfile.TemporaryDirectory(prefix="meshery-bench-observability-") as tmp:
        app = app_module.create_app(Settings(user_data_folder=Path(tmp) / "meshery", register_static_k8s=False))
        tune_gc()  # the collector as the server sets it (meshery.cli): no full collection mid-part
        try:
            async with app.router.lifespan_context(app):
                await quiet(app)
                wire = Wire(app, connections=WIRE_CONNECTIONS)
                for round_no in range(rounds):
                    shift = round_no % len(MEASURED)
                    for variant in (*MEASURED[shift:], *MEASURED[:shift]):
                        exporter = _switch(variant)
                        for route, path in ROUTES.items():
                            n = requests_for(route, requests)
                            samples[route][variant].append(round(await _wire_block(wire, path, n), 2))
                        if exporter is not None:
                            tracing.flush()
                            spans[variant] = exporter.exported
                wire.close()
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
    "off": (servers.OURS, {"METRICS_ACCESS": "off", **HASH_SEED}),
    "traces": (TRACED, {"METRICS_ACCESS": "off", **HASH_SEED}),
    "metrics": (servers.OURS, {"METRICS_ACCESS": "public", **HASH_SEED}),
    "both": (TRACED, {"METRICS_ACCESS": "public", **HASH_SEED}),
    CALIBRATION: (servers.OURS, {"METRICS_ACCESS": "off", **HASH_SEED}),
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


def ratios(per_round: dict[str, dict[int, float]]) -> dict[str, dict[str, Any]]:
    """Each variant against ``off``: ratio of minima, median of same-round ratios, and the rounds' ratios.

    ``per_round`` maps variant -> round -> a cost (lower is better).
    """
    off = per_round["off"]
    found: dict[str, dict[str, Any]] = {}
    for variant in MEASURED[1:]:
        mine = per_round.get(variant, {})
        paired = [cost / off[n] for n, cost in sorted(mine.items()) if off.get(n)]
        found[variant] = {
            "ratio_of_minima": round(min(mine.values()) / min(off.values()), 3) if mine and off else None,
            "paired_median": round(statistics.median(paired), 3) if paired else None,
            "by_round": [round(r, 3) for r in paired],
        }
    return found


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
                found["min_cpu_us_per_request"] = round(min(per_round[label].values()), 1) if per_round[label] else None
            summary[route] = {
                "variants": figures,
                "cpu_per_request": ratios(per_round),
                "ratio_rps": {v: results.ratio(figures[v]["rps"], figures["off"]["rps"]) for v in MEASURED[1:]},
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
    found = {
        route: {v: results.ratio(by[v], by["off"]) for v in MEASURED[1:] if v in by}
        for route, by in per_request.items()
    }
    return {"instructions_per_request": per_request, "ratios": found, "requests": requests}


def in_process_rounds(rounds: int) -> int:
    """Rounds of the in-process part: at least 5 (a round there takes seconds, not minutes)."""
    return max(rounds, 5)


def _met(figures: dict[str, dict[str, Any]]) -> bool:
    return all((figures[v]["ratio_of_minima"] or 99) <= TARGET for v in ("traces", "metrics"))


def run(*, requests: int = 3200, rounds: int = 3, load: loadgen.LoadOptions | None = None, count: bool = False) -> bool:
    counted = None
    if count:
        if instructions.available():
            print("  observability: instructions per request under callgrind (minutes)...", file=sys.stderr, flush=True)
            counted = instruction_run(requests=requests // 2)
        else:
            print("  observability: no valgrind on this machine, instruction counts skipped", file=sys.stderr)
    http = http_run(load=load or loadgen.LoadOptions(), rounds=rounds)
    print("  observability over uvicorn's protocol in process (16 connections)...", file=sys.stderr, flush=True)
    samples, spans = asyncio.run(_measure(requests=requests, rounds=in_process_rounds(rounds)))
    per_round = {route: {v: dict(enumerate(s)) for v, s in by.items()} for route, by in samples.items()}
    in_process = {route: ratios(per_round[route]) for route in ROUTES}
    met = all(_met(http[route]["cpu_per_request"]) for route in ROUTES)
    met_in_process = all(_met(in_process[route]) for route in ROUTES)
    ok = all(http[route]["errors"] == 0 for route in ROUTES) and all(n > 0 for n in spans.values())
    options = load or loadgen.LoadOptions()
    path = results.write(
        "observability",
        parameters={
            "requests": requests,
            "rounds": rounds,
            "in_process_rounds": in_process_rounds(rounds),
            "target": TARGET,
            "wire_connections": WIRE_CONNECTIONS,
            **HASH_SEED,
            **options.parameters(),
        },
        figures={
            "http": http,
            "in_process": {"us_per_request": samples, "ratios": in_process, "spans": spans},
            "target_met_over_http": met,
            "target_met_in_process": met_in_process,
            "instructions": counted,
        },
        ok=ok,
    )
    print("\nOver HTTP: server CPU microseconds per request, minimum (median) over rounds; lower is better")
    rows = []
    for route in ROUTES:
        found = http[route]["variants"]
        rows.append(
            [route, *(f"{found[v]['min_cpu_us_per_request']} ({found[v]['cpu_us_per_request']})" for v in MEASURED)]
        )
    print(results.table(["route", *MEASURED], rows))
    print(f"\nOver HTTP: against 'off', ratio of minima (median of same-round ratios); target <= {TARGET}")
    print(_ratio_table({route: http[route]["cpu_per_request"] for route in ROUTES}))
    print("\nOver uvicorn's protocol in process: CPU microseconds per request, minimum (median) over rounds")
    rows = [
        [route, *(f"{min(samples[route][v]):.1f} ({statistics.median(samples[route][v]):.1f})" for v in MEASURED)]
        for route in ROUTES
    ]
    print(results.table(["route", *MEASURED], rows))
    print("\nOver uvicorn's protocol in process: against 'off', ratio of minima (median of same-round ratios)")
    print(_ratio_table(in_process))
    if counted is not None:
        print(f"\nIn process, under callgrind: instructions per request ({requests // 2} per variant; lower is better)")
        rows = [[route, *(counted["instructions_per_request"][route].get(v) for v in MEASURED)] for route in ROUTES]
        print(results.table(["route", *MEASURED], rows))
        print("\nIn process, under callgrind: ratios of instructions against 'off' (no cache or system-call costs)")
        rows = [[route, *(counted["ratios"][route].get(v) for v in MEASURED[1:])] for route in ROUTES]
        print(results.table(["route", *MEASURED[1:]], rows))
    verdict = "target met" if met else "TARGET MISSED"
    print(f"{verdict} over HTTP (in process: {'met' if met_in_process else 'missed'}); "
          f"written {path.relative_to(path.parents[2])}\n")  # fmt: skip
    return ok


def _ratio_table(by_route: dict[str, dict[str, dict[str, Any]]]) -> str:
    rows = [
        [route, *(f"{figures[v]['ratio_of_minima']} ({figures[v]['paired_median']})" for v in MEASURED[1:])]
        for route, figures in by_route.items()
    ]
    return results.table(["route", *MEASURED[1:]], rows)
