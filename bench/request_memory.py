"""Resident memory around a series of large requests: ``python -m bench.request_memory``.

Two server processes on fresh SQLite folders, one after the other, get the same series: ``--count``
design saves of about ``--megabytes`` MB each (a JSON body whose ``pattern_file`` is a YAML design
of many components), then ``--count`` bodies of the same size refused by validation. RSS
(``psutil``) is read before the series, at its peak (sampled every 50 ms) and 3 s after it.

* ``tuned``: the server as shipped (``meshery.memory``: fixed mmap threshold, capped arenas,
  ``malloc_trim`` after large bodies);
* ``baseline``: the same server with that tuning turned off, measured in the same run.

Prints both and the ratio of memory kept after the series (after - before), tuned / baseline.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import orjson
import psutil  # type: ignore[import-untyped]

from bench import servers

UNTUNED = (
    "import meshery.memory as m; m.tune = lambda: False; m.trim_soon = lambda: None; "
    "from meshery.cli import main; raise SystemExit(main([]))"
)


@dataclass(frozen=True)
class Untuned(servers.ServerKind):
    def argv(self, port: int) -> list[str]:
        return [sys.executable, "-c", UNTUNED]


def design_body(megabytes: float, index: int) -> bytes:
    components = []
    size = 0
    n = 0
    while size < megabytes * 1024 * 1024:
        line = (
            f"  - id: {n:08d}-0000-4000-8000-{index:012d}\n"
            f"    displayName: cm-{n}\n    component: {{kind: ConfigMap, version: v1}}\n"
            f"    model: {{name: kubernetes, model: {{version: v1.30.0}}}}\n"
            f"    configuration: {{data: {{key: '{'x' * 200}'}}}}\n"
        )
        components.append(line)
        size += len(line)
        n += 1
    text = f"name: large-{index}\nschemaVersion: designs.meshery.io/v1beta1\nversion: 0.0.1\ncomponents:\n"
    return orjson.dumps(
        {"name": f"large-{index}", "save": False, "pattern_data": {"pattern_file": text + "".join(components)}}
    )


def series(kind: servers.ServerKind, *, count: int, megabytes: float) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as folder, servers.running(kind, data_dir=Path(folder)) as server:
        proc = psutil.Process(server.pid)

        def rss() -> float:
            return float(proc.memory_info().rss) / 2**20

        time.sleep(1.0)
        before = rss()
        peak = [before]
        done = threading.Event()

        def sample() -> None:
            while not done.is_set():
                peak[0] = max(peak[0], rss())
                time.sleep(0.05)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        statuses: dict[int, int] = {}
        with httpx.Client(timeout=120) as http:
            for index in range(count):
                answer = http.post(
                    server.url("/api/pattern"),
                    content=design_body(megabytes, index),
                    headers={"content-type": "application/json"},
                )
                statuses[answer.status_code] = statuses.get(answer.status_code, 0) + 1
            bad = orjson.dumps({"status": "read", "ids": "A" * int(megabytes * 1024 * 1024)})
            for _ in range(count):
                answer = http.put(
                    server.url("/api/system/events/status/bulk"),
                    content=bad,
                    headers={"content-type": "application/json"},
                )
                statuses[answer.status_code] = statuses.get(answer.status_code, 0) + 1
        time.sleep(3.0)
        done.set()
        sampler.join()
        after = rss()
        print(
            f"{kind.name}: statuses {statuses}; RSS before {before:.0f} MB, peak {peak[0]:.0f} MB, "
            f"3 s after {after:.0f} MB (kept {after - before:+.0f} MB)"
        )
        return {"before": before, "peak": peak[0], "after": after}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.request_memory", description=__doc__)
    parser.add_argument("--count", type=int, default=10, help="requests of each kind (default 10)")
    parser.add_argument("--megabytes", type=float, default=8.0, help="size of each body (default 8)")
    args = parser.parse_args(argv)
    tuned = series(servers.OURS, count=args.count, megabytes=args.megabytes)
    baseline = series(Untuned("baseline", "/healthz/ready"), count=args.count, megabytes=args.megabytes)
    kept_tuned = max(tuned["after"] - tuned["before"], 1.0)
    kept_base = max(baseline["after"] - baseline["before"], 1.0)
    print(f"memory kept after the series, tuned / baseline: {kept_tuned / kept_base:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
