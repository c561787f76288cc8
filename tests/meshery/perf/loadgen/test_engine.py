"""The built-in generator against a real loopback target: pacing, coordinated omission, HTTP/2, endpoints."""

from __future__ import annotations

import asyncio
import ssl
from pathlib import Path

import pytest
import trustme

from meshery.perf.loadgen import LoadSpec, Progress, run_load
from meshery.perf.target import TargetServer

pytestmark = pytest.mark.process


def _p99_s(histogram: dict[str, object]) -> float:
    rows = histogram["Percentiles"]
    assert isinstance(rows, list)
    return float(next(row["Value"] for row in rows if row["Percentile"] == 99.0))


async def test_stall_shows_in_the_corrected_p99_and_hides_in_a_closed_loop(fresh: TargetServer) -> None:
    """A 500 ms stall: the open-loop run charges it to every request scheduled during it; the
    closed loop at the same concurrency sends nothing while it waits, so only the few requests in
    flight see it and its p99 stays small."""
    results = {}
    for mode, qps in (("open", 200.0), ("closed", 0.0)):
        stalled: list[float] = []

        def stall_once(progress: Progress, stalled: list[float] = stalled) -> None:
            # Once the run is under way (whatever the worker's start-up took on this machine).
            if progress.requests and not stalled:
                stalled.append(progress.elapsed_s)
                fresh.stall(0.5)

        spec = LoadSpec(endpoints=(fresh.url,), qps=qps, duration_s=1.2, concurrency=2, progress_s=0.1)
        results[mode] = await run_load(spec, on_progress=stall_once)
        assert stalled and stalled[0] < 0.6, "the stall must fall inside the run"
    open_loop, closed_loop = results["open"], results["closed"]
    assert open_loop.errors == 0 and closed_loop.errors == 0
    # About a fifth of the open-loop requests were due during the stall: they carry it.
    assert open_loop.p99_s >= 0.3
    assert closed_loop.p99_s < 0.1
    assert open_loop.p99_s - closed_loop.p99_s >= 0.25
    # The same open-loop run, measured from the actual send (what a generator without the
    # correction reports), hides the stall too: it shows only in the corrected histogram.
    assert _p99_s(open_loop.runner_results["UncorrectedDurationHistogram"]) < open_loop.p99_s / 2
    assert open_loop.runner_results["CorrectedForCoordinatedOmission"] is True
    assert closed_loop.runner_results["CorrectedForCoordinatedOmission"] is False
    # The stall held the answers, not the schedule: every planned request was sent.
    assert open_loop.requests == pytest.approx(200 * 1.2, abs=2)


async def test_rate_headers_cookies_body_and_several_endpoints(fresh: TargetServer) -> None:
    spec = LoadSpec(
        endpoints=(f"{fresh.url}/one?x=1", f"{fresh.url}/two"),
        qps=300,
        duration_s=0.5,
        concurrency=4,
        method="POST",
        headers={"X-Trace": "abc", "Cookie": "session=s1"},
        cookies={"theme": "dark"},
        body=b'{"k": 1}',
        content_type="application/json",
    )
    result = await run_load(spec)
    assert result.generator == "builtin" and result.requested_generator == "builtin"
    assert result.requests == 150 and result.errors == 0
    assert result.runner_results["RetCodes"] == {"200": 150}
    assert result.runner_results["RequestsPerURL"] == {spec.endpoints[0]: 75, spec.endpoints[1]: 75}
    assert fresh.state.by_path == {"/one?x=1": 75, "/two": 75}
    seen = fresh.received[-1]
    assert seen.method == "POST" and seen.http_version == "1.1"
    assert seen.headers["x-trace"] == "abc"
    assert seen.headers["cookie"] == "session=s1; theme=dark"
    assert seen.headers["content-type"] == "application/json"
    assert seen.body == b'{"k": 1}'


async def test_http2(fresh: TargetServer) -> None:
    result = await run_load(
        LoadSpec(
            endpoints=(f"{fresh.url}/h2",),
            qps=200,
            duration_s=0.4,
            concurrency=2,
            http2=True,
            headers={"X-Over": "h2"},
            cookies={"a": "b"},
        )
    )
    assert result.requests == 80 and result.errors == 0
    assert result.runner_results["HTTP2"] is True
    seen = fresh.received[-1]
    assert seen.http_version == "2"
    assert seen.headers["x-over"] == "h2" and seen.headers["cookie"] == "a=b"


async def test_error_statuses_and_refused_connections_are_counted(fresh: TargetServer) -> None:
    result = await run_load(LoadSpec(endpoints=(f"{fresh.url}/?status=503",), qps=100, duration_s=0.3, concurrency=1))
    assert result.runner_results["RetCodes"] == {"503": 30}
    assert result.errors == 30
    assert result.runner_results["ErrorsDurationHistogram"]["Count"] == 30
    with TargetServer.in_thread() as gone:
        port = gone.port
    refused = await run_load(LoadSpec(endpoints=(f"http://127.0.0.1:{port}/",), qps=50, duration_s=0.3, concurrency=1))
    assert refused.runner_results["RetCodes"] == {"-1": refused.requests}
    assert refused.requests >= 10


async def test_latency_injected_in_the_target_is_measured(fresh: TargetServer) -> None:
    """Also HEAD: its answer has a Content-Length but no body, and the connection stays usable."""
    spec = LoadSpec(endpoints=(f"{fresh.url}/?delay_ms=20",), qps=50, duration_s=0.4, concurrency=2, method="HEAD")
    result = await run_load(spec)
    assert result.errors == 0 and result.requests == 20
    assert 0.02 <= result.p50_s < 0.2
    assert {r.method for r in fresh.received} == {"HEAD"}


async def test_https_and_h2_over_tls(tmp_path: Path) -> None:
    ca = trustme.CA()
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(server_context)
    server_context.set_alpn_protocols(["h2", "http/1.1"])
    ca_file = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    with TargetServer.in_thread(ssl_context=server_context) as tls:
        assert tls.url.startswith("https://")
        for http2 in (False, True):
            spec = LoadSpec(
                endpoints=(tls.url,), qps=100, duration_s=0.3, concurrency=1, http2=http2, ca_file=str(ca_file)
            )
            result = await run_load(spec)
            assert result.runner_results["RetCodes"] == {"200": 30}
            assert tls.received[-1].http_version == ("2" if http2 else "1.1")
        insecure = await run_load(LoadSpec(endpoints=(tls.url,), qps=100, duration_s=0.2, concurrency=1, insecure=True))
        assert insecure.runner_results["RetCodes"] == {"200": 20}
        untrusted = await run_load(LoadSpec(endpoints=(tls.url,), qps=100, duration_s=0.2, concurrency=1))
        assert set(untrusted.runner_results["RetCodes"]) == {"-1"}


async def test_raw_transport_stamps_reads_with_the_kernels_arrival_time() -> None:
    """An answer that waited in the kernel while the generator was busy keeps its arrival time."""
    import socket
    import time

    from meshery.perf.loadgen import rawsock
    from meshery.perf.loadgen.wire import clock

    class Sink:
        def __init__(self) -> None:
            self.reads: list[tuple[bytes, float]] = []
            self.got = asyncio.Event()

        def connection_made(self, transport: object) -> None:
            pass

        def data_received_at(self, data: bytes, at: float) -> None:
            self.reads.append((data, at))
            self.got.set()

        def connection_lost(self, exc: Exception | None) -> None:
            pass

    listener = socket.create_server(("127.0.0.1", 0))
    sink = Sink()
    loop = asyncio.get_running_loop()
    transport = await rawsock.open_connection(loop, "127.0.0.1", listener.getsockname()[1], sink)
    peer, _ = listener.accept()
    try:
        if not transport.stamps:
            pytest.skip("no SO_TIMESTAMPNS on this platform")
        # Linux enables receive stamps system-wide a moment after the first socket asks: retry.
        for _attempt in range(20):
            sink.reads.clear()
            sink.got.clear()
            stamped_before = transport.stamped_reads
            peer.sendall(b"answer")
            sent = clock()
            time.sleep(0.05)  # noqa: ASYNC251 - on purpose: the generator is busy, the bytes wait in the kernel
            await asyncio.wait_for(sink.got.wait(), 5)
            if transport.stamped_reads > stamped_before:
                break
        else:
            pytest.skip("the kernel gave no receive timestamps")
        data, at = sink.reads[0]
        assert data == b"answer"
        assert at < sent + 0.02 < clock() - 0.03
        transport.write(b"request")
        assert peer.recv(16) == b"request"
    finally:
        transport.abort()
        peer.close()
        listener.close()
