"""``python -m bench.kubeemu``: how fast the Kubernetes API emulator serves a large cluster.

Figures, each the median of ``rounds`` runs against an emulator holding ``objects`` Pods:

- seeding rate (objects/s) of ``KubeEmulator.seed_pods``;
- one LIST of every Pod over HTTP, against the baseline of the same work in process (select the
  objects and encode them as JSON) measured in the same run, so the ratio is what HTTP costs;
- a paged LIST (``limit=500`` and ``continue``), as kubectl and informers page;
- watch delivery: seconds until an open watch has received ``objects`` ADDED events.

Other benchmarks (``bench/meshsync``) use the emulator as their cluster; these figures say how
much of their time the emulator itself can account for.
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import httpx

from bench import results
from tests.kubeemu import KubeEmulator

_T = TypeVar("_T")


def _list_over_http(client: httpx.Client) -> int:
    answer = client.get("/api/v1/pods")
    answer.raise_for_status()
    return len(answer.json()["items"])


def _list_in_process(emu: KubeEmulator) -> int:
    items, rv = emu.store.select(emu.resource("v1", "Pod"), None)
    body = json.dumps({"kind": "PodList", "metadata": {"resourceVersion": str(rv)}, "items": items}).encode()
    return len(json.loads(body)["items"])


def _paged(client: httpx.Client) -> int:
    count, token = 0, ""
    while True:
        params = {"limit": "500", **({"continue": token} if token else {})}
        page = client.get("/api/v1/pods", params=params).json()
        count += len(page["items"])
        token = page["metadata"].get("continue", "")
        if not token:
            return count


def _watch_delivery(emu: KubeEmulator, objects: int) -> float:
    received = threading.Event()
    opened = threading.Event()

    def watch() -> None:
        seen = 0
        url = f"{emu.url}/api/v1/namespaces/watched/pods?watch=1&resourceVersion={emu.resource_version}"
        with httpx.stream("GET", url, timeout=120) as stream:
            opened.set()
            for line in stream.iter_lines():
                if line:
                    seen += 1
                    if seen == objects:
                        received.set()
                        return

    reader = threading.Thread(target=watch, daemon=True)
    reader.start()
    opened.wait(10)
    emu.wait_for_watches(1, plural="pods")
    start = time.perf_counter()
    emu.seed_pods(objects, namespace="watched", prefix=f"w{start:.0f}")
    if not received.wait(120):
        raise RuntimeError("the watch did not deliver every event")
    elapsed = time.perf_counter() - start
    reader.join(10)
    emu.delete("v1", "Namespace", "watched")
    return elapsed


def _timed(fn: Callable[..., _T], *args: Any) -> tuple[float, _T]:
    start = time.perf_counter()
    value = fn(*args)
    return time.perf_counter() - start, value


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.kubeemu", description=__doc__)
    parser.add_argument("--objects", type=int, default=10_000, help="pods in the emulated cluster (default 10000)")
    parser.add_argument("--rounds", type=int, default=3, help="runs of each measurement; median (default 3)")
    args = parser.parse_args(argv)
    if args.objects < 1 or args.rounds < 1:
        print("python -m bench.kubeemu: --objects and --rounds must be positive", file=sys.stderr)
        return 2
    seed_s: list[float] = []
    http_s: list[float] = []
    local_s: list[float] = []
    paged_s: list[float] = []
    watch_s: list[float] = []
    ok = True
    for round_ in range(1, args.rounds + 1):
        with KubeEmulator(history_size=args.objects * 2) as emu, httpx.Client(base_url=emu.url, timeout=120) as client:
            seconds, _ = _timed(emu.seed_pods, args.objects)
            seed_s.append(seconds)
            seconds, listed = _timed(_list_over_http, client)
            http_s.append(seconds)
            ok = ok and listed == args.objects
            seconds, local = _timed(_list_in_process, emu)
            local_s.append(seconds)
            ok = ok and local == args.objects
            seconds, paged = _timed(_paged, client)
            paged_s.append(seconds)
            ok = ok and paged == args.objects
            watch_s.append(_watch_delivery(emu, args.objects))
        print(
            f"  round {round_}: seed {seed_s[-1]:.3f} s, list {http_s[-1]:.3f} s (in process {local_s[-1]:.3f} s), "
            f"paged {paged_s[-1]:.3f} s, watch {watch_s[-1]:.3f} s",
            file=sys.stderr,
            flush=True,
        )
    figures = {
        "seed_objects_per_s": round(args.objects / results.median(seed_s)) if results.median(seed_s) else None,
        "list_http_s": results.median(http_s),
        "list_in_process_s": results.median(local_s),
        "list_http_over_in_process": results.ratio(results.median(http_s), results.median(local_s)),
        "list_paged_500_s": results.median(paged_s),
        "watch_events_per_s": round(args.objects / results.median(watch_s)) if results.median(watch_s) else None,
    }
    path = results.write("kubeemu", parameters={"objects": args.objects, "rounds": args.rounds}, figures=figures, ok=ok)
    print(results.table(["figure", "value"], [[k, v] for k, v in figures.items()]))
    print(f"results: {path}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
