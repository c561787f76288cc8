"""REST request counts and latency histograms: plain tallies per request, Prometheus families at scrape.

The client library's labelled ``Counter``/``Histogram`` take a lock per increment and walk the
buckets in Python: three locked increments and a loop per request, a measurable share of a
trivial request. Requests are counted on the event loop's thread only (by the request
middleware), so a tally here is a list per label set, bumped without a lock: count, sum of
seconds, and one count per latency bucket (found by ``bisect``). ``RequestTally.collect``
turns the tallies into the same families the library would expose
(``meshery_http_requests_total`` by operation, method and status;
``meshery_http_request_duration_seconds`` by operation and status, cumulative buckets with
``le`` labels, ``_sum`` and ``_count``) each time ``/metrics`` is read.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Sequence

from prometheus_client.metrics_core import CounterMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.registry import Collector
from prometheus_client.utils import floatToGoString

COUNT, TIMED, SUM, BUCKETS = 0, 1, 2, 3
"""Positions in a tally: requests, requests with a duration, seconds, then one count per bucket."""

Key = tuple[str, str, int]


class RequestTally(Collector):
    """Requests by (operationId, method, status), with a latency histogram per label set."""

    def __init__(self, *, requests: str, requests_help: str, seconds: str, seconds_help: str,
                 buckets: Sequence[float]) -> None:  # fmt: skip
        self.names = (requests, requests_help, seconds, seconds_help)
        self.bounds = tuple(sorted(buckets))
        self.labels = (*(floatToGoString(b) for b in self.bounds), "+Inf")  # type: ignore[no-untyped-call]
        self.tallies: dict[Key, list[float]] = {}

    def add(self, operation: str, method: str, status: int, seconds: float | None) -> None:
        """One request answered (``seconds`` None: counted, not timed, as an event stream)."""
        key = (operation, method, status)
        tally = self.tallies.get(key)
        if tally is None:
            tally = self.tallies[key] = [0] * (BUCKETS + len(self.bounds) + 1)
        tally[COUNT] += 1
        if seconds is not None:
            tally[TIMED] += 1
            tally[SUM] += seconds
            tally[BUCKETS + bisect_left(self.bounds, seconds)] += 1  # le is inclusive, as bisect_left finds

    def collect(self) -> Iterable[Metric]:
        requests, requests_help, seconds, seconds_help = self.names
        counted = CounterMetricFamily(requests, requests_help, labels=["operation", "method", "status"])
        timed: dict[tuple[str, str], list[float]] = {}
        width = len(self.bounds) + 1
        for (operation, method, status), tally in sorted(self.tallies.items()):
            counted.add_metric([operation, method, str(status)], tally[COUNT])
            if tally[TIMED]:
                found = timed.setdefault((operation, str(status)), [0.0] * (SUM + 1 + width))
                for at in range(SUM, BUCKETS + width):
                    found[at] += tally[at]
        yield counted
        histogram = HistogramMetricFamily(seconds, seconds_help, labels=["operation", "status"])
        for labels, found in timed.items():
            cumulative, buckets = 0.0, []
            for label, count in zip(self.labels, found[BUCKETS:], strict=True):
                cumulative += count
                buckets.append((label, cumulative))
            histogram.add_metric(list(labels), buckets, found[SUM])
        yield histogram

    def clear(self) -> None:
        self.tallies.clear()
