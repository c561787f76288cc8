"""``python -m bench.observed_server``: our server, traced into the SDK's in-memory exporter.

What the observability benchmark's ``traces`` variant runs: exactly ``meshery-server``
(``meshery.cli.main``), with a tracing pipeline installed first that hands, in batches,
every span (100 % sampling, the SDK's default) to an in-memory exporter (``KeptSpans``). No
``OTEL_CONFIG`` is set, so the app keeps this pipeline. ``BENCH_SPANS_FILE``, when set,
receives the number of spans exported, written at exit (the benchmark checks spans were made).

``KeptSpans`` is the SDK's ``InMemorySpanExporter`` holding the latest ``KEPT`` spans (the SDK's
own ``max_spans``) and counting all of them. Unbounded, its live set grows by every span of the
run, which a real exporter (shipping spans away) does not hold, and every full garbage collection
walks it; bounded, the traced variant measures the tracer and a steady exporter.
"""

from __future__ import annotations

import atexit
import os
import sys
from collections.abc import Sequence

from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SpanExportResult
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from meshery import cli
from meshery.observability import tracing
from meshery.observability.spans import Pipeline

KEPT = 10_000


class KeptSpans(InMemorySpanExporter):
    """The SDK's in-memory exporter keeping the latest ``KEPT`` spans, with a count of every span."""

    def __init__(self) -> None:
        super().__init__(max_spans=KEPT)
        self.exported = 0

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        self.exported += len(spans)
        return super().export(spans)

    def clear(self) -> None:
        super().clear()
        self.exported = 0


def main() -> int:
    exporter = KeptSpans()
    pipeline = Pipeline(exporter)
    tracing.install(pipeline)
    report = os.environ.get("BENCH_SPANS_FILE")
    if report:

        def write_count() -> None:
            pipeline.flush()
            with open(report, "w", encoding="ascii") as out:
                out.write(str(exporter.exported))

        atexit.register(write_count)
    return cli.main()


if __name__ == "__main__":
    sys.exit(main())
