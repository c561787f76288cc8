"""HDR histograms shaped as fortio's HistogramData."""

from __future__ import annotations

import pytest

from meshery.perf.loadgen import histogram


def test_fortio_shape_from_microseconds() -> None:
    h = histogram.new()
    histogram.record_all(h, [100] * 90 + [10_000] * 9 + [500_000])
    data = histogram.fortio(h)
    assert data["Count"] == 100
    assert data["Min"] == pytest.approx(100e-6, rel=1e-3) and data["Max"] == pytest.approx(0.5, rel=1e-3)
    assert data["Sum"] == pytest.approx(90 * 100e-6 + 9 * 0.01 + 0.5, rel=1e-3)
    assert data["Avg"] == pytest.approx(data["Sum"] / 100)
    assert [b["Count"] for b in data["Data"]] == [90, 9, 1]
    assert [b["Percent"] for b in data["Data"]] == [90, 99, 100]
    values = {p["Percentile"]: p["Value"] for p in data["Percentiles"]}
    assert values[50] == pytest.approx(100e-6, rel=1e-3)
    assert values[99] == pytest.approx(0.01, rel=1e-3)
    assert values[99.9] == pytest.approx(0.5, rel=1e-3)


def test_empty_and_round_trip() -> None:
    assert histogram.fortio(histogram.new())["Count"] == 0
    h = histogram.new()
    histogram.record_all(h, [0, 5, 7])  # 0 is clamped to the lowest trackable value
    again = histogram.decode(histogram.encode(h))
    assert again.get_total_count() == 3 and again.get_min_value() == 1
    both = histogram.merged(again, histogram.new())
    assert both.get_min_value() == 1
