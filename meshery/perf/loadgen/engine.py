"""The built-in generator's engine: open-loop constant throughput over keep-alive connections.

Runs inside the worker process (``meshery.perf.loadgen.worker``), never in the API's event loop.

Schedule (as wrk2): request ``k`` of the run is intended at ``t0 + k / qps`` and belongs to
connection ``k mod C``; each connection sends its next request at that request's intended time,
or at once when the previous answer came after it. Latency is corrected for coordinated omission:
a request that had to wait because its connection was still busy with the previous answer is
charged that wait (answer time minus intended time), so a stall of the target shows in every
request that should have been sent during it. The generator's own timer jitter (the event loop's
timers fire up to a millisecond late) is not charged: when the connection was idle at the intended
time, latency counts from the actual send. The uncorrected latency (from the actual send) is kept
beside it. ``qps == 0`` is a closed loop: every connection sends again as soon as it has an answer.

Several endpoints: connection ``i`` talks to endpoint ``i mod n`` (at least one connection per
endpoint), so requests spread evenly when the connections are a multiple of the endpoints.
"""

from __future__ import annotations

import asyncio
import time
from array import array
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from meshery.perf.loadgen import http1, http2
from meshery.perf.loadgen.wire import ERROR_CODE, Endpoint, EngineSpec, clock


@dataclass
class Samples:
    """What the engine measured; latencies in microseconds, drained by the worker as it goes."""

    corrected: array[int] = field(default_factory=lambda: array("q"))
    uncorrected: array[int] = field(default_factory=lambda: array("q"))
    errors: array[int] = field(default_factory=lambda: array("q"))
    codes: dict[int, int] = field(default_factory=dict)
    per_endpoint: list[int] = field(default_factory=list)
    requests: int = 0
    failures: int = 0
    sent: int = 0

    def drain(self) -> tuple[array[int], array[int], array[int]]:
        taken = self.corrected, self.uncorrected, self.errors
        self.corrected, self.uncorrected, self.errors = array("q"), array("q"), array("q")
        return taken


class Engine:
    """One run: connects, paces, measures; ``run()`` returns when the schedule is done or ``stop()``."""

    def __init__(self, spec: EngineSpec) -> None:
        self.spec = spec
        self.endpoints = [Endpoint.parse(url) for url in spec.endpoints]
        self.conns_n = max(spec.concurrency, len(self.endpoints), 1)
        self.samples = Samples(per_endpoint=[0] * len(self.endpoints))
        self.loop = asyncio.get_running_loop()
        self.t0 = 0.0
        self.end = 0.0
        self.interval = 1.0 / spec.qps if spec.qps > 0 else 0.0
        self.conns: list[Any] = []
        self.next_seq: list[int] = []
        self.charge: list[float] = []
        self.stopping = False
        self.cancelled = False
        self.last_done = 0.0
        self.finished = asyncio.Event()
        self.active = 0
        https = any(e.scheme == "https" for e in self.endpoints)
        self.ssl_context = spec.tls_context(http2=spec.http2) if https else None

    # --- life cycle -------------------------------------------------------------------------

    async def run(self) -> None:
        factory: Callable[..., Any] = http2.H2Conn if self.spec.http2 else http1.H1Conn
        for i in range(self.conns_n):
            endpoint = self.endpoints[i % len(self.endpoints)]
            self.conns.append(factory(self, i, endpoint))
            self.next_seq.append(i)
            self.charge.append(0.0)
        timeout = self.spec.timeout_s
        await asyncio.gather(*(asyncio.wait_for(c.connect(), timeout) for c in self.conns), return_exceptions=True)
        self.t0 = clock() + 0.001
        self.end = self.t0 + self.spec.duration_s
        self.active = len(self.conns)
        for conn in self.conns:
            self._schedule(conn, self.t0)
        watchdog = self.loop.create_task(self._watchdog())
        try:
            await self.finished.wait()
        finally:
            watchdog.cancel()
            for conn in self.conns:
                conn.abort()

    def stop(self) -> None:
        """Cancel: stop at once; requests in flight are not counted."""
        self.cancelled = True
        self.stopping = True
        self.finished.set()

    # --- pacing -------------------------------------------------------------------------------

    def _schedule(self, conn: Any, now: float) -> None:
        """The connection is idle: send its next request now or at its intended time."""
        i = conn.index
        if self.stopping:
            self._retire()
            return
        if self.interval:
            intended = self.t0 + self.next_seq[i] * self.interval
            if intended >= self.end:
                self._retire()
                return
            if now >= intended:
                self.charge[i] = now - intended
                self._send(conn)
            else:
                self.charge[i] = 0.0
                self.loop.call_later(intended - now, self._send, conn)
        else:
            if now >= self.end:
                self._retire()
                return
            self.charge[i] = 0.0
            self._send(conn)

    def _retire(self) -> None:
        self.active -= 1
        if self.active <= 0:
            self.finished.set()

    def _send(self, conn: Any) -> None:
        if self.stopping:
            self._retire()
            return
        self.next_seq[conn.index] += self.conns_n
        self.samples.sent += 1
        conn.send()

    def done(self, conn: Any, status: int) -> None:
        """An answer (or a failure, ``status`` -1) to the connection's request."""
        now = clock()
        if self.cancelled:
            return
        # Latency ends when the answer's last bytes were read, not after parsing and callbacks.
        read_at = conn.read_at
        latency = (read_at if status != ERROR_CODE and read_at >= conn.sent_at else now) - conn.sent_at
        us = int(latency * 1e6)
        samples = self.samples
        samples.requests += 1
        samples.codes[status] = samples.codes.get(status, 0) + 1
        samples.per_endpoint[conn.index % len(self.endpoints)] += 1
        if 200 <= status < 400:
            samples.corrected.append(us + int(self.charge[conn.index] * 1e6))
            samples.uncorrected.append(us)
        else:
            samples.failures += 1
            samples.errors.append(us)
        self.last_done = now
        self._schedule(conn, now)

    async def _watchdog(self) -> None:
        """Time out requests that take longer than ``timeout_s``; end the drain after the run."""
        timeout = self.spec.timeout_s
        while True:
            await asyncio.sleep(0.05)
            now = clock()
            for conn in self.conns:
                if conn.busy and now - conn.sent_at > timeout:
                    conn.fail()
            if now > self.end + timeout + 1:
                self.stopping = True
                self.finished.set()

    def wall(self) -> float:
        """Wall-clock time of the run's start."""
        return time.time() - (clock() - self.t0)
