"""``python -m bench [all|rest|graphql|...|registry|designs|workspaces|perf] [options]``: run them (BENCHMARKS).

Writes results; exits 1 when a benchmark fails.

With no benchmark named, all of them run with defaults sized to finish in about two minutes
on a 2-core machine (three at most). SIGTERM is turned into a normal exit so that every
server and load generator started so far is stopped on the way out, as with Ctrl-C.
"""

from __future__ import annotations

import argparse
import io
import signal
import sys
from collections.abc import Sequence
from pathlib import Path
from types import FrameType

from bench import (
    adapters,
    auth,
    designs,
    designs_deploy,
    designs_import,
    evaluate,
    events,
    filters,
    graphql_cache,
    inprocess,
    loadgen,
    meshsync,
    observability,
    perf,
    perf_isolation,
    registry,
    rest,
    startup,
    workspaces,
)
from bench.clients import RUNNERS

BENCHMARKS = (
    "all",
    "rest",
    "graphql",
    "startup",
    "inprocess",
    "events",
    "auth",
    "meshsync",
    "adapters",
    "registry",
    "designs",
    "workspaces",
    "observability",
    "filters",
    "evaluate",
    "perf",
    "perf_isolation",
)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("benchmark", nargs="?", choices=BENCHMARKS, default="all")
    load = parser.add_argument_group("load (rest, graphql)")
    load.add_argument("--duration", type=float, default=4.0, help="measured seconds per run (default 4)")
    load.add_argument("--warmup", type=float, default=1.0, help="warm-up seconds per run, not measured (default 1)")
    load.add_argument("--connections", type=int, default=16, help="concurrent keep-alive connections (default 16)")
    load.add_argument("--rounds", type=int, default=3, help="runs of each variant, interleaved; median (default 3)")
    load.add_argument("--client", choices=sorted(RUNNERS), default="raw", help="load generator client (default raw)")
    db = parser.add_argument_group("database (rest)")
    choice = db.add_mutually_exclusive_group()
    choice.add_argument("--database-url", default=None, help="run the REST benchmark against this PostgreSQL")
    choice.add_argument("--postgres", action="store_true", help="start an embedded PostgreSQL for the REST benchmark")
    group = parser.add_argument_group("adapters")
    group.add_argument("--adapter-operations", type=int, default=300, help="operations measured (default 300)")
    group.add_argument("--adapter-events", type=int, default=300, help="relayed events measured (default 300)")
    parser.add_argument(
        "--instructions", action="store_true", help="observability: also count instructions under callgrind (valgrind)"
    )
    parser.add_argument("--startup-repeat", type=int, default=3, help="start-up attempts; median (default 3)")
    parser.add_argument(
        "--before-tree", type=Path, default=None, help="startup: also measure the app build CPU of this source tree"
    )
    ev = parser.add_argument_group("events")
    ev.add_argument("--sse", type=int, default=1000, help="SSE subscribers (default 1000)")
    ev.add_argument("--graphql-subscribers", type=int, default=100, help="GraphQL subscribers (default 100)")
    ev.add_argument("--events", type=int, default=60, help="events raised and timed (default 60)")
    ev.add_argument("--list-events", type=int, default=100_000, help="events stored for the listing (default 100000)")
    ev.add_argument("--cycles", type=int, default=10_000, help="subscribe/unsubscribe cycles (default 10000)")
    ev.add_argument("--no-replicas", action="store_true", help="skip the two-replica part (PostgreSQL + NATS)")
    reg = parser.add_argument_group("registry (not part of `all`: it writes a catalog of about 700 MB)")
    reg.add_argument("--models", type=int, default=300, help="synthetic models (default 300)")
    reg.add_argument("--components", type=int, default=300, help="components per model (default 300)")
    reg.add_argument("--no-postgres", action="store_true", help="registry on SQLite only")
    iso = parser.add_argument_group("perf_isolation")
    iso.add_argument("--perf-rate", type=float, default=2000.0, help="load test rate, req/s (default 2000)")
    iso.add_argument("--perf-seconds", type=float, default=6.0, help="seconds probed idle and loaded (default 6)")
    des = parser.add_argument_group("designs")
    des.add_argument("--design-components", type=int, default=1000, help="components of the design (default 1000)")
    des.add_argument("--design-rounds", type=int, default=5, help="imports measured; median (default 5)")
    des.add_argument("--deploy-rounds", type=int, default=3, help="deploys of the design measured; median (default 3)")
    fil = parser.add_argument_group("filters")
    fil.add_argument("--filter-rows", type=int, default=1000, help="stored filters and designs (default 1000)")
    fil.add_argument("--filter-requests", type=int, default=300, help="requests timed per list (default 300)")
    fil.add_argument("--module-kib", type=int, default=64, help="size of each stored module in KiB (default 64)")
    ev2 = parser.add_argument_group("evaluate (not part of `all`: it writes a catalog under build/ once)")
    ev2.add_argument("--eval-components", type=int, default=90_000, help="synthetic components (default 90000)")
    ev2.add_argument("--eval-relationships", type=int, default=5_000, help="synthetic relationships (default 5000)")
    ev2.add_argument("--eval-design", type=int, default=1000, help="components of the design (default 1000)")
    ev2.add_argument("--eval-rounds", type=int, default=5, help="evaluations measured; median (default 5)")
    ev2.add_argument("--short", action="store_true", help="evaluate: 9,000 components, 500 relationships, 3 rounds")
    return parser


def _exit_on_sigterm(signum: int, _frame: FrameType | None) -> None:
    raise SystemExit(128 + signum)


def main(argv: Sequence[str] | None = None) -> int:
    given = list(sys.argv[1:] if argv is None else argv)
    if given[:1] == ["perf"]:  # not part of `all`; its own options (python -m bench perf --help)
        return perf.main(given[1:])
    args = _parser().parse_args(argv)
    if args.rounds < 1 or args.duration <= 0 or args.connections < 1:
        print("python -m bench: --rounds, --duration and --connections must be positive", file=sys.stderr)
        return 2
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    # Progress goes to stderr as it happens; keep the tables on stdout in step with it.
    if isinstance(sys.stdout, io.TextIOWrapper):
        sys.stdout.reconfigure(line_buffering=True)
    load = loadgen.LoadOptions(
        connections=args.connections, duration=args.duration, warmup=args.warmup, client=args.client
    )
    ok = True
    try:
        if args.benchmark in ("all", "inprocess"):
            ok &= inprocess.run()
        if args.benchmark in ("all", "auth"):
            ok &= auth.run()
        if args.benchmark in ("all", "startup"):
            ok &= startup.run(repeat=args.startup_repeat, before=args.before_tree)
        if args.benchmark in ("all", "rest"):
            ok &= rest.run(load=load, rounds=args.rounds, database_url=args.database_url, start_postgres=args.postgres)
        if args.benchmark in ("all", "graphql"):
            ok &= graphql_cache.run(load=load, rounds=args.rounds)
        if args.benchmark in ("all", "events"):
            ok &= events.run(
                sse=args.sse,
                graphql=args.graphql_subscribers,
                events=args.events,
                list_events=args.list_events,
                cycles=args.cycles,
                replicas=not args.no_replicas,
            )
        if args.benchmark in ("all", "adapters"):
            ok &= adapters.run(operations=args.adapter_operations, events=args.adapter_events)
        if args.benchmark in ("all", "meshsync"):
            ok &= meshsync.run()
        if args.benchmark in ("all", "designs"):
            ok &= designs.run(components=args.design_components, rounds=args.design_rounds)
            size = ["--objects", str(args.design_components)]
            ok &= designs_import.main([*size, "--rounds", str(args.design_rounds)]) == 0
            ok &= designs_deploy.main([*size, "--rounds", str(args.deploy_rounds)]) == 0
        if args.benchmark in ("all", "workspaces"):
            ok &= workspaces.run()
        if args.benchmark == "perf_isolation":  # not part of `all`: it loads the machine for a while
            ok &= perf_isolation.run(rate=args.perf_rate, seconds=args.perf_seconds)
        if args.benchmark in ("all", "observability"):
            ok &= observability.run(rounds=args.rounds, load=load, count=args.instructions)
        if args.benchmark in ("all", "filters"):
            ok &= filters.run(rows=args.filter_rows, requests=args.filter_requests, kib=args.module_kib)
        if args.benchmark == "evaluate":
            short = args.short
            ok &= evaluate.run(
                components=9_000 if short else args.eval_components,
                relationships=500 if short else args.eval_relationships,
                size=args.eval_design,
                rounds=3 if short else args.eval_rounds,
            )
        if args.benchmark == "registry":
            ok &= registry.run(models=args.models, components=args.components, with_postgres=not args.no_postgres)
    except KeyboardInterrupt:
        print("python -m bench: interrupted; servers stopped", file=sys.stderr)
        return 130
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
