"""What traces and metrics cost a request: in process, against the same build with both off.

Issue 18's targets: with tracing on (100 % sampling, every span handed to the SDK's in-memory
exporter) and with metrics on, a request to the trivial ``GET /api/system/version`` and to the
database route ``GET /api/system/database`` costs at most 10 % more than with both off.

Requests are raw ASGI calls into one app (``bench.inprocess.call``), so the figures are the
server's own cost per request, without sockets or a load generator whose noise would hide a
few microseconds. The variants are the same app object started afresh for each measurement
(the store attaches its statement listeners at start, when tracing is on): ``off`` (no
tracer, ``METRICS_ACCESS=off``), ``traces`` (tracer, metrics off), ``metrics`` (metrics on,
no tracer) and ``both``. Variants alternate within each round; each figure is the median
over rounds of the best of three batches, and each ratio is variant/off of the same round set.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import tempfile
import warnings
from pathlib import Path
from typing import Any

from bench import results
from bench.inprocess import per_request_us

VARIANTS = ("off", "traces", "metrics", "both")
ROUTES = {"version": "/api/system/version", "database": "/api/system/database"}
TARGET = 1.10


def _switch(variant: str) -> Any:
    """Turn tracing and metrics on or off for ``variant``; the in-memory exporter when tracing."""
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    from meshery.observability import metrics, tracing

    metrics.enable("public" if variant in ("metrics", "both") else "off")
    if variant in ("traces", "both"):
        exporter = InMemorySpanExporter()
        provider = TracerProvider()  # sampling: always on (the SDK's default parent-based always-on)
        provider.add_span_processor(SimpleSpanProcessor(exporter))
        tracing.install(provider)
        return exporter
    tracing.uninstall()
    return None


async def _measure(*, requests: int, rounds: int) -> tuple[dict[str, dict[str, list[int]]], dict[str, int]]:
    warnings.filterwarnings("ignore", message=r"Using `httpx` with `starlette.testclient`")
    from meshery import app as app_module
    from meshery.config import Settings
    from meshery.observability import metrics, tracing

    samples: dict[str, dict[str, list[int]]] = {route: {v: [] for v in VARIANTS} for route in ROUTES}
    spans: dict[str, int] = {}
    with tempfile.TemporaryDirectory(prefix="meshery-bench-observability-") as tmp:
        app = app_module.create_app(Settings(user_data_folder=Path(tmp) / "meshery", register_static_k8s=False))
        try:
            for _round in range(rounds):
                for variant in VARIANTS:
                    exporter = _switch(variant)
                    async with app.router.lifespan_context(app):
                        for route, path in ROUTES.items():
                            n = requests if route == "version" else max(requests // 5, 100)
                            samples[route][variant].append(await per_request_us(app, path, n=n))
                            if exporter is not None:
                                spans[f"{route} ({variant})"] = len(exporter.get_finished_spans())
                                exporter.clear()
        finally:
            tracing.uninstall()
            metrics.enable("public")
    return samples, spans


def run(*, requests: int = 2000, rounds: int = 3) -> bool:
    print("  observability overhead (raw ASGI calls, traces and metrics on/off)...", file=sys.stderr, flush=True)
    samples, spans = asyncio.run(_measure(requests=requests, rounds=rounds))
    figures = {route: {v: statistics.median(s) for v, s in by.items()} for route, by in samples.items()}
    ratios = {route: {v: round(by[v] / by["off"], 3) for v in VARIANTS if v != "off"} for route, by in figures.items()}
    met = all(ratios[route][v] <= TARGET for route in ratios for v in ("traces", "metrics"))
    path = results.write(
        "observability",
        parameters={"requests": requests, "rounds": rounds, "best_of": 3, "target": TARGET},
        figures={
            "us_per_request": figures,
            "samples": samples,
            "ratios": ratios,
            "spans_last_round": spans,
            "target_met": met,
        },
        ok=True,
    )
    print("\nObservability cost per request (microseconds, median over rounds of best of 3; lower is better)")
    rows = [[route, *(figures[route][v] for v in VARIANTS)] for route in ROUTES]
    print(results.table(["route", *VARIANTS], rows))
    print(f"\nRatios against 'off' in the same run (target: traces and metrics each <= {TARGET})")
    print(results.table(["route", "traces", "metrics", "both"], [[r, *ratios[r].values()] for r in ROUTES]))
    print(f"{'target met' if met else 'TARGET MISSED'}; written {path.relative_to(path.parents[2])}\n")
    return True
