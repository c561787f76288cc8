"""wrk and hey: their output parsed into runner_results, and real runs where they are installed."""

from __future__ import annotations

import asyncio
import shutil

import pytest

from generated import errors
from meshery.perf.loadgen import LoadSpec, external, run_load
from meshery.perf.target import TargetServer

needs_wrk = pytest.mark.skipif(shutil.which("wrk") is None, reason="wrk is not installed (make wrk2-setup)")
needs_hey = pytest.mark.skipif(shutil.which("hey") is None, reason="hey is not installed (make wrk2-setup)")

WRK_OUTPUT = """Running 1s test @ http://127.0.0.1:8080/
  1 threads and 4 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
MESHERY-WRK {"requests":400,"duration_us":1001234,"bytes":30000,"min_us":90,"max_us":9000,"mean_us":250.5,\
"stdev_us":80.25,"connect":0,"read":1,"write":0,"status":3,"timeout":2,\
"percentiles":[[50,200],[75,260],[90,400],[99,2000],[99.9,8000]]}
"""

HEY_OUTPUT = """response-time,DNS+dialup,DNS,Request-write,Response-delay,Response-read,status-code,offset
0.0012,0.0003,0.0000,0.0000,0.0008,0.0000,200,0.0100
0.0020,0.0000,0.0000,0.0000,0.0019,0.0000,200,0.0200
0.5000,0.0000,0.0000,0.0000,0.4999,0.0000,503,0.0300
"""


def test_wrk_summary_is_parsed_into_runner_results() -> None:
    spec = LoadSpec(endpoints=("http://127.0.0.1:8080/",), qps=400, duration_s=1, concurrency=4, generator="wrk")
    data = external.parse_wrk(WRK_OUTPUT)
    from datetime import UTC, datetime

    result = external.wrk_result(
        spec, data, ran="wrk", start=datetime.now(UTC), notes=[], cancelled=False, cpu=None, threads=1
    )
    rr = result.runner_results
    assert result.requests == 400 and result.errors == 3 + 3
    assert rr["RetCodes"] == {"200": 397, "-1": 3, "non-2xx-3xx": 3}
    assert rr["ActualQPS"] == pytest.approx(400 / 1.001234)
    assert rr["DurationHistogram"]["Percentiles"][3] == {"Percentile": 99.0, "Value": 0.002}
    assert rr["DurationHistogram"]["Avg"] == pytest.approx(250.5e-6)
    assert rr["LoadGenerator"] == "wrk"


def test_wrk_without_a_summary_is_a_catalogued_error() -> None:
    with pytest.raises(errors.ErrLoadGeneratorFailed):
        external.parse_wrk("unable to connect to 127.0.0.1:1 Connection refused\n")


def test_hey_csv_is_parsed() -> None:
    rows, last = external.parse_hey_csv(HEY_OUTPUT)
    assert rows == [(0.0012, 200), (0.002, 200), (0.5, 503)]
    assert last == pytest.approx(0.53)
    with pytest.raises(errors.ErrLoadGeneratorFailed):
        external.parse_hey_csv("Error: connection refused\n")


def test_wrk_script_paces_and_sets_the_request() -> None:
    spec = LoadSpec(
        endpoints=("http://h/a", "http://h/b?q=1"),
        qps=100,
        duration_s=1,
        concurrency=2,
        method="post",
        headers={"X-A": "1"},
        cookies={"c": "d"},
        body=b"hi",
    )
    script = external.wrk_script(spec, threads=2)
    assert 'wrk.method = "POST"' in script and 'wrk.body = "hi"' in script
    assert 'wrk.headers["Cookie"] = "c=d"' in script
    assert '"/b?q=1"' in script and "request = function" in script
    assert "local interval = 20.0" in script and "delay = function" in script


@needs_wrk
@pytest.mark.process
@pytest.mark.parametrize("name", ["wrk2"])  # upstream's name; runs Debian's wrk here
async def test_wrk_runs_at_the_requested_rate_until_cancelled(fresh: TargetServer, name: str) -> None:
    spec = LoadSpec(
        endpoints=(f"{fresh.url}/w1", f"{fresh.url}/w2"),
        qps=200,
        duration_s=20,
        concurrency=2,
        headers={"X-From": "wrk"},
        generator=name,
    )
    cancel = asyncio.Event()
    result = await run_load(spec, cancel=cancel, on_progress=lambda _: cancel.set())  # after about 1 s
    assert result.generator in ("wrk", "wrk2") and result.requested_generator == name
    assert result.cancelled is True and result.errors == 0
    assert result.requests > 0
    assert result.actual_qps <= 300  # paced to 200 (flat out, wrk does thousands a second here)
    assert fresh.state.by_path.keys() == {"/w1", "/w2"}
    assert fresh.received[-1].headers["x-from"] == "wrk"
    assert result.p50_s > 0


@needs_hey
@pytest.mark.process
async def test_hey_runs_and_counts_statuses(fresh: TargetServer) -> None:
    spec = LoadSpec(
        endpoints=(f"{fresh.url}/?status=201",),
        qps=100,
        duration_s=0.5,
        concurrency=2,
        method="PUT",
        body=b"x=1",
        content_type="application/x-www-form-urlencoded",
        generator="hey",
    )
    result = await run_load(spec)
    assert result.generator == "hey"
    assert set(result.runner_results["RetCodes"]) == {"201"}
    assert result.requests > 0
    assert result.actual_qps <= 150  # paced to 100 (-q is per worker: 50 each)
    seen = fresh.received[-1]
    assert seen.method == "PUT" and seen.body == b"x=1"
    assert seen.headers["content-type"] == "application/x-www-form-urlencoded"
    assert result.runner_results["DurationHistogram"]["Count"] == result.requests
