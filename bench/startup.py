"""Start-up: spawn of ``python -m meshery.cli`` to its first 200 on ``/healthz/ready``, on SQLite.

Each attempt uses a fresh data folder, so it includes creating the SQLite file and running
every migration, as a first start on a new machine does. Readiness is polled every 5 ms
(``servers.POLL_INTERVAL_S``); the figure is the median of ``repeat`` attempts (all are recorded).
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from bench import results, servers


def run(*, repeat: int) -> bool:
    """Measure, write the results file, print the figures; True when every attempt became ready."""
    times: list[float] = []
    with tempfile.TemporaryDirectory(prefix="meshery-bench-startup-") as tmp:
        for attempt in range(1, repeat + 1):
            with servers.running(servers.OURS, data_dir=Path(tmp) / f"attempt-{attempt}") as server:
                times.append(round(server.startup_s, 3))
            print(f"  start-up {attempt}: {server.startup_s:.3f} s", file=sys.stderr, flush=True)
    figure = results.median(times)
    path = results.write(
        "startup",
        parameters={
            "repeat": repeat,
            "database": "sqlite (fresh file)",
            "ready_path": servers.OURS.ready_path,
            "poll_interval_s": servers.POLL_INTERVAL_S,
        },
        figures={"summary": {"median_s": figure, "min_s": min(times), "max_s": max(times)}, "attempts_s": times},
        ok=True,
    )
    print("\nStart-up of our server to ready (SQLite, fresh data folder)")
    print(results.table(["attempts", "median s", "min s", "max s"], [[len(times), figure, min(times), max(times)]]))
    print(f"OK; written {path.relative_to(path.parents[2])}\n")
    return True
