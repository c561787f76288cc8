"""Adapters: an operation's round trip and the relay of adapter events to an SSE client.

A real server process watches the sample adapter, which runs inside this process (a grpc.aio
server) so the benchmark knows the instant each event is emitted. Measured, sequentially:

- operation round trip: ``POST /api/system/adapter/operation`` (echo) through the server,
  against the baseline of the same ``ApplyOperation`` sent straight to the adapter over gRPC;
- event relay: the adapter emits an event; the time until it arrives on
  ``GET /api/system/events/subscribe`` (adapter -> gRPC stream -> server: store + bus -> SSE),
  against the baseline of the same event arriving on a direct gRPC ``StreamEvents`` client;
- operation to event: from sending the POST to receiving the operation's event on SSE.

p50 and p99 of each, in milliseconds, and the ratio to the baseline.
"""

from __future__ import annotations

import asyncio
import json
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx

from bench import PROJECT_ROOT, results, servers
from bench.recorder import percentile_ms
from generated.meshes import meshops_pb2 as pb
from meshery import adapter_address as address
from meshery.adapters.client import AdapterClient
from meshery.adapters.sample import server as sample

READY_TIMEOUT = 30.0
EVENT_TIMEOUT = 10.0


class Waiters:
    """Futures keyed by what identifies an event (its description or operation id)."""

    def __init__(self) -> None:
        self.pending: dict[str, asyncio.Future[int]] = {}
        self.early: dict[str, int] = {}  # arrived before anyone waited (an event can beat its POST's answer)

    def expect(self, key: str) -> asyncio.Future[int]:
        future: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        if key in self.early:
            future.set_result(self.early.pop(key))
        else:
            self.pending[key] = future
        return future

    def arrived(self, *keys: str) -> None:
        now = time.perf_counter_ns()
        for key in keys:
            future = self.pending.pop(key, None)
            if future is not None and not future.done():
                future.set_result(now)
            elif future is None and key.startswith("op:"):
                self.early[key] = now


async def _read_sse(lines: AsyncIterator[str], waiters: Waiters) -> None:
    async for line in lines:
        if line.startswith("data: "):
            event = json.loads(line[6:])
            waiters.arrived(f"sse:{event.get('description')}", f"op:{event.get('operationId')}")


async def _read_direct(client: AdapterClient, waiters: Waiters, opened: asyncio.Event) -> None:
    stream = client.events(deadline=3600)
    opened.set()
    async for event in stream:
        waiters.arrived(f"grpc:{event.summary}")


def _stats(samples_ns: list[int]) -> dict[str, float]:
    ordered = sorted(samples_ns)
    return {
        "n": len(ordered),
        "p50_ms": round(percentile_ms(ordered, 0.50), 3),
        "p99_ms": round(percentile_ms(ordered, 0.99), 3),
    }


async def _wait_ready(http: httpx.AsyncClient, adapter: sample.SampleAdapter) -> None:
    deadline = time.monotonic() + READY_TIMEOUT
    while time.monotonic() < deadline:
        listed = (await http.get("/api/system/adapters")).json()
        if listed and listed[0]["health"] == "up" and adapter.hub.subscribers >= 1:
            return
        await asyncio.sleep(0.02)
    raise RuntimeError("the server never connected to the sample adapter")


async def _measure(base_url: str, adapter_port: int, *, operations: int, events: int, warmup: int) -> dict[str, Any]:
    grpc_server, adapter, port = await sample.start(adapter_port)
    location = f"localhost:{port}"
    direct = AdapterClient(address.parse(location))
    waiters = Waiters()
    errors = 0
    try:
        async with httpx.AsyncClient(base_url=base_url, timeout=30) as http:
            await _wait_ready(http, adapter)
            async with http.stream("GET", "/api/system/events/subscribe", timeout=None) as sse:
                if sse.status_code != 200:
                    raise RuntimeError(f"SSE answered {sse.status_code}")
                sse_reader = asyncio.create_task(_read_sse(sse.aiter_lines(), waiters))
                opened = asyncio.Event()
                direct_reader = asyncio.create_task(_read_direct(direct, waiters, opened))
                await opened.wait()
                for _ in range(int(READY_TIMEOUT / 0.01)):  # both streams open at the adapter
                    if adapter.hub.subscribers >= 2:
                        break
                    await asyncio.sleep(0.01)

                direct_rtt: list[int] = []
                server_rtt: list[int] = []
                op_to_event: list[int] = []
                for i in range(warmup + operations):
                    started = time.perf_counter_ns()
                    await direct.apply(pb.ApplyRuleRequest(opName="echo", custom_body="direct"))
                    if i >= warmup:
                        direct_rtt.append(time.perf_counter_ns() - started)
                    started = time.perf_counter_ns()
                    response = await http.post(
                        "/api/system/adapter/operation", data={"adapter": location, "query": "echo", "customBody": "x"}
                    )
                    answered = time.perf_counter_ns()
                    if response.status_code != 200:
                        errors += 1
                        continue
                    arrival = waiters.expect(f"op:{response.json()['operation_id']}")
                    received = await asyncio.wait_for(arrival, EVENT_TIMEOUT)
                    if i >= warmup:
                        server_rtt.append(answered - started)
                        op_to_event.append(received - started)
                    if (i + 1) % 100 == 0:
                        print(f"  operations: {i + 1}/{warmup + operations}", file=sys.stderr, flush=True)

                relay: list[int] = []
                direct_stream: list[int] = []
                for i in range(warmup + events):
                    summary = f"bench-{i}"
                    via_sse, via_grpc = waiters.expect(f"sse:{summary}"), waiters.expect(f"grpc:{summary}")
                    emitted = time.perf_counter_ns()
                    adapter.hub.publish(pb.EventsResponse(summary=summary, component="bench", component_name="bench"))
                    got_sse, got_grpc = await asyncio.wait_for(asyncio.gather(via_sse, via_grpc), EVENT_TIMEOUT)
                    if i >= warmup:
                        relay.append(got_sse - emitted)
                        direct_stream.append(got_grpc - emitted)
                    if (i + 1) % 100 == 0:
                        print(f"  events: {i + 1}/{warmup + events}", file=sys.stderr, flush=True)
                for task in (sse_reader, direct_reader):
                    task.cancel()
                await asyncio.gather(sse_reader, direct_reader, return_exceptions=True)
    finally:
        await direct.close()
        await sample.stop(grpc_server, adapter, grace=0)
    return {
        "operation_round_trip": _stats(server_rtt),
        "operation_round_trip_direct_grpc": _stats(direct_rtt),
        "operation_to_sse_event": _stats(op_to_event),
        "event_relay_to_sse": _stats(relay),
        "event_direct_grpc_stream": _stats(direct_stream),
        "errors": errors,
    }


def run(*, operations: int = 300, events: int = 300, warmup: int = 30) -> bool:
    """Measure on SQLite with the in-process bus; print the table and write one results file."""
    adapter_port = servers.free_port()
    with tempfile.TemporaryDirectory(prefix="meshery-bench-adapters-") as tmp:
        env = {"ADAPTER_URLS": f"localhost:{adapter_port}"}
        with servers.running(servers.OURS, data_dir=Path(tmp) / "server", extra_env=env) as server:
            print(f"adapters: server pid {server.pid}, sample adapter on {adapter_port}", file=sys.stderr, flush=True)
            figures = asyncio.run(
                _measure(server.url(""), adapter_port, operations=operations, events=events, warmup=warmup)
            )
    ok: bool = figures["errors"] == 0
    rtt, rtt_base = figures["operation_round_trip"], figures["operation_round_trip_direct_grpc"]
    relay, relay_base = figures["event_relay_to_sse"], figures["event_direct_grpc_stream"]
    figures["ratios"] = {
        "operation_round_trip_p50": results.ratio(rtt["p50_ms"], rtt_base["p50_ms"]),
        "operation_round_trip_p99": results.ratio(rtt["p99_ms"], rtt_base["p99_ms"]),
        "event_relay_p50": results.ratio(relay["p50_ms"], relay_base["p50_ms"]),
        "event_relay_p99": results.ratio(relay["p99_ms"], relay_base["p99_ms"]),
    }
    rows = [
        ("operation round trip (server)", rtt["n"], rtt["p50_ms"], rtt["p99_ms"]),
        ("  baseline: ApplyOperation direct", rtt_base["n"], rtt_base["p50_ms"], rtt_base["p99_ms"]),
        ("event relay adapter -> SSE", relay["n"], relay["p50_ms"], relay["p99_ms"]),
        ("  baseline: direct StreamEvents", relay_base["n"], relay_base["p50_ms"], relay_base["p99_ms"]),
        (
            "operation POST -> its SSE event",
            figures["operation_to_sse_event"]["n"],
            figures["operation_to_sse_event"]["p50_ms"],
            figures["operation_to_sse_event"]["p99_ms"],
        ),
    ]
    print(results.table(["adapters (SQLite, in-process bus)", "n", "p50 ms", "p99 ms"], rows))
    ratios = figures["ratios"]
    print(
        f"ratio to baseline: round trip p50 x{ratios['operation_round_trip_p50']}, "
        f"p99 x{ratios['operation_round_trip_p99']}; relay p50 x{ratios['event_relay_p50']}, "
        f"p99 x{ratios['event_relay_p99']}; errors {figures['errors']}"
    )
    path = results.write(
        "adapters",
        parameters={
            "operations": operations,
            "events": events,
            "warmup": warmup,
            "database": "sqlite",
            "bus": "in-process",
        },
        figures=figures,
        ok=ok,
    )
    print(f"results: {path.relative_to(PROJECT_ROOT)}", file=sys.stderr)
    return ok
