"""``run_load``: progress, cancel, generator fallback, a dying worker, bad specs, result shapes."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import sys

import pytest

from generated import errors
from meshery.perf import loadgen
from meshery.perf.loadgen import LoadSpec, Progress, run_load, smp_result
from meshery.perf.target import TargetServer

pytestmark = pytest.mark.process


async def test_progress_is_reported_during_the_run(fresh: TargetServer, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="meshery.perf.loadgen")
    seen: list[Progress] = []

    async def on_progress(progress: Progress) -> None:
        seen.append(progress)

    result = await run_load(
        LoadSpec(endpoints=(fresh.url,), qps=200, duration_s=0.6, concurrency=2, progress_s=0.15),
        on_progress=on_progress,
    )
    counted = [p for p in seen if p.requests]  # the first may come while connecting
    assert len(counted) >= 2
    assert counted[-1].requests > counted[0].requests
    assert all(p.errors == 0 for p in seen)
    assert max(p.current_qps for p in seen) > 0
    assert result.requests == 120
    lines = [r.getMessage() for r in caplog.records if r.name == "meshery.perf.loadgen"]
    assert any(line.startswith("load test progress:") and "req/s now" in line for line in lines)
    assert any(line.startswith("load test done: builtin, 120 requests, 0 errors") for line in lines)


async def test_cancel_stops_the_worker_and_returns_the_partial_result(fresh: TargetServer) -> None:
    cancel = asyncio.Event()

    def on_progress(progress: Progress) -> None:
        if progress.requests:
            cancel.set()

    loop = asyncio.get_running_loop()
    started = loop.time()
    result = await run_load(
        LoadSpec(endpoints=(fresh.url,), qps=100, duration_s=30, concurrency=2, progress_s=0.1),
        on_progress=on_progress,
        cancel=cancel,
    )
    assert result.cancelled is True
    assert result.runner_results["Cancelled"] is True
    assert 0 < result.requests < 3000
    assert loop.time() - started < 15  # far from the 30 s asked for


async def test_several_worker_processes_share_the_rate(fresh: TargetServer) -> None:
    spec = LoadSpec(
        endpoints=(fresh.url + "/m1", fresh.url + "/m2"), qps=200, duration_s=0.5, concurrency=4, processes=2
    )
    result = await run_load(spec)
    assert result.requests == 100 and result.errors == 0
    assert result.runner_results["DurationHistogram"]["Count"] == 100
    assert result.runner_results["NumThreads"] == 4
    assert sum(result.runner_results["RequestsPerURL"].values()) == 100
    assert fresh.state.by_path == {"/m1": 50, "/m2": 50}


async def test_cancel_stops_every_worker_process(fresh: TargetServer) -> None:
    cancel = asyncio.Event()
    spec = LoadSpec(endpoints=(fresh.url,), qps=100, duration_s=30, concurrency=3, processes=3, progress_s=0.1)
    result = await run_load(spec, cancel=cancel, on_progress=lambda p: cancel.set() if p.requests else None)
    assert result.cancelled is True and result.requests < 3000


def test_which_generator_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    everything = dict.fromkeys(loadgen.GENERATORS, True)
    monkeypatch.setattr(loadgen, "available_generators", lambda: everything)
    one = LoadSpec(endpoints=("http://127.0.0.1:1/a",), qps=1, duration_s=1, concurrency=1)
    two_paths = dataclasses.replace(one, endpoints=("http://127.0.0.1:1/a", "http://127.0.0.1:1/b"))
    two_hosts = dataclasses.replace(one, endpoints=("http://127.0.0.1:1/a", "http://127.0.0.2:1/b"))
    cases = [
        ("builtin", one, "builtin", ""),
        ("Nighthawk", one, "builtin", "nighthawk is not available"),
        ("no-such-generator", one, "builtin", "unknown load generator"),
        ("wrk", one, "wrk", ""),
        ("wrk", two_paths, "wrk", ""),
        ("wrk", two_hosts, "builtin", "several hosts"),
        ("hey", two_paths, "builtin", "several endpoints"),
        ("hey", dataclasses.replace(one, http2=True), "builtin", "HTTP/2"),
    ]
    for requested, spec, expected, note in cases:
        ran, notes = loadgen.resolve_generator(requested, spec)
        assert ran == expected, requested
        assert (note in notes[0]) if note else not notes, (requested, notes)
    monkeypatch.setattr(loadgen, "available_generators", lambda: {**everything, "hey": False})
    ran, notes = loadgen.resolve_generator("hey", one)
    assert ran == "builtin" and "make wrk2-setup" in notes[0]


def test_available_generators_names_upstream_generators() -> None:
    have = loadgen.available_generators()
    assert have["builtin"] is True
    assert have["fortio"] is False and have["nighthawk"] is False
    assert set(have) == set(loadgen.GENERATORS)


async def test_a_dying_worker_is_a_catalogued_error(monkeypatch: pytest.MonkeyPatch, fresh: TargetServer) -> None:
    script = "import os, sys; sys.stdin.readline(); print('worker: giving up', file=sys.stderr); os._exit(3)"
    monkeypatch.setattr(loadgen, "WORKER_COMMAND", (sys.executable, "-c", script))
    with pytest.raises(errors.ErrLoadWorkerDied) as caught:
        await run_load(LoadSpec(endpoints=(fresh.url,), qps=10, duration_s=0.2, concurrency=1))
    assert caught.value.code == "meshery-server-1912"
    assert "status 3" in str(caught.value) and "giving up" in str(caught.value)


async def test_a_worker_that_cannot_start_is_a_catalogued_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(loadgen, "WORKER_COMMAND", ("/nonexistent/python",))
    with pytest.raises(errors.ErrLoadWorkerStart):
        await run_load(LoadSpec(endpoints=("http://127.0.0.1:1/",), qps=10, duration_s=0.2, concurrency=1))


@pytest.mark.parametrize(
    "spec",
    [
        LoadSpec(endpoints=(), qps=1, duration_s=1, concurrency=1),
        LoadSpec(endpoints=("ftp://127.0.0.1/",), qps=1, duration_s=1, concurrency=1),
        LoadSpec(endpoints=("http://127.0.0.1/",), qps=-1, duration_s=1, concurrency=1),
        LoadSpec(endpoints=("http://127.0.0.1/",), qps=1, duration_s=0, concurrency=1),
        LoadSpec(endpoints=("http://127.0.0.1/",), qps=1, duration_s=1, concurrency=0),
        LoadSpec(endpoints=("http://127.0.0.1/",), qps=1, duration_s=1, concurrency=1, method="GE T"),
        LoadSpec(endpoints=("http://127.0.0.1/",), qps=1, duration_s=1, concurrency=1, processes=0),
        LoadSpec(endpoints=("http://127.0.0.1/",), qps=1, duration_s=1, concurrency=1, nice=20),
    ],
)
async def test_a_bad_spec_is_refused_before_any_process_starts(spec: LoadSpec) -> None:
    with pytest.raises(errors.ErrLoadSpecInvalid) as caught:
        await run_load(spec)
    assert caught.value.http_status == 422


async def test_runner_results_have_upstreams_fields(fresh: TargetServer) -> None:
    """Also: fortio, the UI's default, is not here; the test runs on builtin and says so."""
    spec = LoadSpec(
        endpoints=(fresh.url + "/r",), qps=100, duration_s=0.3, concurrency=2, labels="t1 -_- x", generator="fortio"
    )
    result = await run_load(spec)
    assert result.generator == "builtin" and result.requested_generator == "fortio"
    assert result.runner_results["LoadGenerator"] == "builtin"
    assert result.runner_results["RequestedLoadGenerator"] == "fortio"
    assert result.runner_results["Notes"] == ["fortio is not available on this server; ran on the built-in generator"]
    rr = result.runner_results
    for key in (
        "RunType",
        "Labels",
        "StartTime",
        "RequestedQPS",
        "RequestedDuration",
        "ActualQPS",
        "ActualDuration",
        "NumThreads",
        "Version",
        "DurationHistogram",
        "ErrorsDurationHistogram",
        "RetCodes",
        "URL",
        "SocketCount",
    ):
        assert key in rr, key
    assert rr["Labels"] == "t1 -_- x" and rr["URL"] == spec.endpoints[0]
    assert rr["RequestedQPS"] == "100" and rr["RequestedDuration"] == "300ms"
    assert rr["StartTime"].endswith("Z")
    hist = rr["DurationHistogram"]
    assert hist["Count"] == 30 == sum(b["Count"] for b in hist["Data"])
    assert hist["Data"][-1]["Percent"] == 100
    assert [p["Percentile"] for p in hist["Percentiles"]] == [50, 75, 90, 99, 99.9]
    assert 0 < hist["Min"] <= hist["Avg"] <= hist["Max"] < 1
    assert isinstance(rr["ActualDuration"], int) and rr["ActualDuration"] > 0.25e9
    assert result.actual_qps == pytest.approx(rr["ActualQPS"])
    assert result.start < result.end
    smp = smp_result(result, mesh="istio", name="t1", test_id="abc")
    assert smp["labels"] == {"name": "t1", "mesh": "istio"} and smp["test_id"] == "abc"
    assert smp["load_generator"] == "builtin" and smp["requested_load_generator"] == "fortio"
    assert smp["latencies"]["p50"] == pytest.approx(hist["Percentiles"][0]["Value"] * 1000)
    assert smp["latencies"]["p90"] == pytest.approx(hist["Percentiles"][2]["Value"] * 1000)
    assert smp["latencies"]["min"] <= smp["latencies"]["average"] <= smp["latencies"]["max"]
    assert smp["actual_qps"] == result.actual_qps and smp["start_time"].endswith("Z")
    assert smp["requests"] == 30


def test_go_durations_read_like_fortios() -> None:
    assert loadgen.go_duration(10) == "10s"
    assert loadgen.go_duration(90) == "1m30s"
    assert loadgen.go_duration(3600) == "1h0m0s"
    assert loadgen.go_duration(1.5) == "1.5s"
    assert loadgen.go_duration(0.25) == "250ms"
    assert loadgen.requested_qps_text(0) == "max"
    assert loadgen.requested_qps_text(2000) == "2000"
