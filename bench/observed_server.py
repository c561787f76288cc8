"""``python -m bench.observed_server``: our server, traced into the SDK's in-memory exporter.

What the observability benchmark's ``traces`` variant runs: exactly ``meshery-server``
(``meshery.cli.main``), with a tracing pipeline installed first that hands, in batches,
every span (100 % sampling, the SDK's default) to an ``InMemorySpanExporter``. No
``OTEL_CONFIG`` is set, so the app keeps this pipeline. ``BENCH_SPANS_FILE``, when set,
receives the number of spans exported, written at exit (the benchmark checks spans were made).
"""

from __future__ import annotations

import atexit
import os
import sys

from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from meshery import cli
from meshery.observability import tracing
from meshery.observability.spans import Pipeline


def main() -> int:
    exporter = InMemorySpanExporter()
    pipeline = Pipeline(exporter)
    tracing.install(pipeline)
    report = os.environ.get("BENCH_SPANS_FILE")
    if report:

        def write_count() -> None:
            pipeline.flush()
            with open(report, "w", encoding="ascii") as out:
                out.write(str(len(exporter.get_finished_spans())))

        atexit.register(write_count)
    return cli.main()


if __name__ == "__main__":
    sys.exit(main())
