"""Latency histograms: HDR histograms (``hdrhistogram``) in microseconds, shaped as fortio's JSON.

Fortio's ``HistogramData`` (what upstream Meshery stores in ``runner_results.DurationHistogram``)
is in seconds: ``Count, Min, Max, Sum, Avg, StdDev``, ``Data`` buckets ``{Start, End, Percent,
Count}`` (``Percent`` cumulative) and ``Percentiles`` ``[{Percentile, Value}]``.
"""

from __future__ import annotations

import math
from bisect import bisect_left
from collections.abc import Iterable, Sequence
from typing import Any

from hdrh.histogram import HdrHistogram

LOWEST_US = 1
HIGHEST_US = 3_600_000_000  # one hour
DIGITS = 3
PERCENTILES: tuple[float, ...] = (50.0, 75.0, 90.0, 99.0, 99.9)
# Bucket edges of ``Data`` in microseconds: 1-2-5 per decade from 10 us to 1000 s.
_EDGES: tuple[int, ...] = tuple(m * 10**e for e in range(1, 10) for m in (1, 2, 5))


def new() -> HdrHistogram:
    return HdrHistogram(LOWEST_US, HIGHEST_US, DIGITS)


def record_all(histogram: HdrHistogram, values_us: Iterable[int]) -> None:
    """Record microsecond values, clamped into the histogram's range."""
    record = histogram.record_value
    for value in values_us:
        record(min(max(value, LOWEST_US), HIGHEST_US))


def merged(*parts: HdrHistogram) -> HdrHistogram:
    """One histogram of several (empty ones are skipped: adding one would reset the minimum)."""
    out = new()
    for part in parts:
        if part.get_total_count():
            out.add(part)
    return out


def encode(histogram: HdrHistogram) -> str:
    return histogram.encode().decode("ascii") if histogram.get_total_count() else ""


def decode(text: str) -> HdrHistogram:
    histogram = new()
    if text:
        histogram.add(HdrHistogram.decode(text.encode("ascii")))
    return histogram


def percentile_s(histogram: HdrHistogram, percentile: float) -> float:
    if not histogram.get_total_count():
        return 0.0
    return float(histogram.get_value_at_percentile(percentile)) / 1e6


def fortio(histogram: HdrHistogram, percentiles: Sequence[float] = PERCENTILES) -> dict[str, Any]:
    """Fortio's ``HistogramData`` JSON of a microsecond histogram (values in seconds)."""
    count = int(histogram.get_total_count())
    if not count:
        return {"Count": 0, "Min": 0, "Max": 0, "Sum": 0, "Avg": 0, "StdDev": 0, "Data": [], "Percentiles": []}
    # Straight over the counts array: the package's iterators are pure Python and ~50x slower.
    raw = list(histogram.counts)
    value_at = histogram.get_value_from_index
    counts: dict[int, int] = {}
    total_sum = 0.0
    square_sum = 0.0
    for index, n in enumerate(raw):
        if not n:
            continue
        value = float(value_at(index))
        total_sum += value * n
        square_sum += value * value * n
        edge = bisect_left(_EDGES, value)
        counts[edge] = counts.get(edge, 0) + n
    mean = total_sum / count
    stddev = math.sqrt(max(0.0, square_sum / count - mean * mean))
    buckets: list[dict[str, Any]] = []
    seen = 0
    low, high = float(histogram.get_min_value()), float(histogram.get_max_value())
    for edge in sorted(counts):
        seen += counts[edge]
        start = max(low, float(_EDGES[edge - 1]) if edge else 0.0)
        end = min(high, float(_EDGES[edge]) if edge < len(_EDGES) else high)
        buckets.append(
            {"Start": start / 1e6, "End": end / 1e6, "Percent": round(100 * seen / count, 4), "Count": counts[edge]}
        )
    return {
        "Count": count,
        "Min": float(histogram.get_min_value()) / 1e6,
        "Max": float(histogram.get_max_value()) / 1e6,
        "Sum": total_sum / 1e6,
        "Avg": mean / 1e6,
        "StdDev": stddev / 1e6,
        "Data": buckets,
        "Percentiles": [{"Percentile": p, "Value": percentile_s(histogram, p)} for p in percentiles],
    }


def from_points(
    *, count: int, min_s: float, max_s: float, avg_s: float, stddev_s: float, points: Sequence[tuple[float, float]]
) -> dict[str, Any]:
    """Fortio's ``HistogramData`` from summary figures an external generator printed (no buckets)."""
    return {
        "Count": count,
        "Min": min_s,
        "Max": max_s,
        "Sum": avg_s * count,
        "Avg": avg_s,
        "StdDev": stddev_s,
        "Data": [],
        "Percentiles": [{"Percentile": p, "Value": v} for p, v in points],
    }
