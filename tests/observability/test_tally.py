"""Request tallies (meshery.observability.tally) expose what the client library's own metrics would."""

from __future__ import annotations

import random

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.parser import text_string_to_metric_families

from meshery.observability.metrics import LATENCY_BUCKETS
from meshery.observability.tally import RequestTally

Sample = tuple[str, tuple[tuple[str, str], ...], float]


def samples(registry: CollectorRegistry) -> set[Sample]:
    """Every sample but the library's ``_created`` stamps, values rounded past float noise."""
    found = set()
    for family in text_string_to_metric_families(generate_latest(registry).decode()):
        for sample in family.samples:
            if not sample.name.endswith("_created"):
                found.add((sample.name, tuple(sorted(sample.labels.items())), round(sample.value, 9)))
    return found


def test_same_samples_as_the_client_librarys_counter_and_histogram() -> None:
    ours, theirs = CollectorRegistry(), CollectorRegistry()
    tally = RequestTally(requests="reqs", requests_help="r", seconds="secs", seconds_help="s", buckets=LATENCY_BUCKETS)
    ours.register(tally)
    counter = Counter("reqs", "r", ["operation", "method", "status"], registry=theirs)
    histogram = Histogram("secs", "s", ["operation", "status"], buckets=LATENCY_BUCKETS, registry=theirs)
    rng = random.Random(18)
    # Every bound exactly (le is inclusive), around them, beyond the last, and event streams (untimed).
    durations: list[float | None] = [*LATENCY_BUCKETS, 0.0, 11.0, None, None]
    durations += [rng.choice(LATENCY_BUCKETS) * rng.choice((0.5, 0.999, 1.001, 2.0)) for _ in range(300)]
    for at, seconds in enumerate(durations):
        operation, method, status = ("getSystemVersion", "designs", "events")[at % 3], ("GET", "HEAD")[at % 2], 200
        if at % 7 == 0:
            status = 404
        tally.add(operation, method, status, seconds)
        counter.labels(operation, method, str(status)).inc()
        if seconds is not None:
            histogram.labels(operation, str(status)).observe(seconds)
    assert samples(ours) == samples(theirs)
    tally.clear()
    assert samples(ours) == set()


def test_a_stream_only_label_set_is_counted_without_a_histogram() -> None:
    tally = RequestTally(requests="reqs", requests_help="r", seconds="secs", seconds_help="s", buckets=(0.1, 1.0))
    tally.add("subscribeEvents", "GET", 200, None)
    families = {f.name: f for f in tally.collect()}
    assert [s.value for s in families["reqs"].samples] == [1]
    assert families["secs"].samples == []
