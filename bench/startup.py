"""Start-up: CPU time of building the app, and spawn of ``python -m meshery.cli`` to its first 200.

The build figure is the CPU time (``time.process_time``) of ``meshery.app.create_app`` in a
fresh interpreter, after its imports, so it is the work the app does at start-up (parsing the
spec, building the REST tables) and not the import of libraries. With ``before`` (a source tree,
e.g. an unpacked older commit) the same measurement runs on that tree too, in the same run.


Each attempt uses a fresh data folder (SQLite) or a fresh database (PostgreSQL), so it
includes creating the schema and running every migration, as a first start on a new
machine does. Readiness is polled every 5 ms (``servers.POLL_INTERVAL_S``); the figure
is the median of ``repeat`` attempts (all are recorded).
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg

from bench import PROJECT_ROOT, postgres, results, servers

BUILD_SNIPPET = """
import json, sys, tempfile, time, warnings
from pathlib import Path
warnings.filterwarnings("ignore")
from meshery import app
from meshery.config import Settings
settings = Settings(user_data_folder=Path(tempfile.mkdtemp(prefix="meshery-bench-build-")))
started = time.process_time()
app.create_app(settings)
first = time.process_time() - started
started = time.process_time()
app.create_app(settings)
again = time.process_time() - started
print(json.dumps({"cpu_s": first, "again_cpu_s": again, "source": app.__file__}))
"""


def build_cpu(tree: Path, *, repeat: int) -> tuple[list[float], list[float]]:
    """CPU seconds of ``create_app`` in ``repeat`` fresh interpreters importing from ``tree``.

    The first build includes the first import of the handler modules (``wiring.bind``), the
    second one in the same interpreter (what each further app of a test run costs) does not.
    """
    times: list[float] = []
    again: list[float] = []
    for _ in range(repeat):
        out = subprocess.run(
            [sys.executable, "-c", BUILD_SNIPPET], cwd=tree, capture_output=True, text=True, check=True, timeout=300
        )
        figure = json.loads(out.stdout.strip().splitlines()[-1])
        if not str(figure["source"]).startswith(str(tree.resolve())):
            raise RuntimeError(f"measured {figure['source']}, not the tree {tree}")
        times.append(round(figure["cpu_s"], 3))
        again.append(round(figure["again_cpu_s"], 3))
    print(f"  app build CPU ({tree}): first {times}, again {again}", file=sys.stderr, flush=True)
    return times, again


def _attempts(*, repeat: int, workdir: Path, database_url: str | None) -> list[float]:
    times: list[float] = []
    for attempt in range(1, repeat + 1):
        with _fresh_database(database_url) as url:
            extra = {"DATABASE_URL": url} if url else {}
            with servers.running(servers.OURS, data_dir=workdir / f"attempt-{attempt}", extra_env=extra) as server:
                times.append(round(server.startup_s, 3))
        print(f"  start-up {attempt}: {server.startup_s:.3f} s", file=sys.stderr, flush=True)
    return times


@contextmanager
def _fresh_database(server_url: str | None) -> Iterator[str | None]:
    """A new empty database on the PostgreSQL server (None for SQLite), dropped afterwards."""
    if server_url is None:
        yield None
        return
    admin = server_url
    name = f"startup_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base, _, query = admin.partition("?")
    url = base.rsplit("/", 1)[0] + f"/{name}" + (f"?{query}" if query else "")
    try:
        yield url
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def run(*, repeat: int, with_postgres: bool = True, before: Path | None = None) -> bool:
    """Measure build CPU (ours and ``before``), then start-up on SQLite and (unless disabled) PostgreSQL."""
    build: dict[str, list[float]] = {}
    trees = {"ours": PROJECT_ROOT, **({"before": before} if before is not None else {})}
    for label, tree in trees.items():
        build[label], build[f"{label}, second build in the same process"] = build_cpu(tree, repeat=max(repeat, 3))
    with tempfile.TemporaryDirectory(prefix="meshery-bench-startup-") as tmp:
        sqlite = _attempts(repeat=repeat, workdir=Path(tmp) / "sqlite", database_url=None)
        pg: list[float] = []
        if with_postgres:
            (Path(tmp) / "pg").mkdir()
            with postgres.embedded(Path(tmp) / "pg") as url:
                pg = _attempts(repeat=repeat, workdir=Path(tmp) / "postgres", database_url=url)
    summary = {"sqlite": _summary(sqlite)}
    rows: list[list[object]] = [["sqlite (fresh file)", *summary["sqlite"].values()]]
    if pg:
        summary["postgresql"] = _summary(pg)
        rows.append(["postgresql (fresh database)", *summary["postgresql"].values()])
    build_summary = {label: _summary(times) for label, times in build.items()}
    path = results.write(
        "startup",
        parameters={
            "repeat": repeat,
            "databases": list(summary),
            "ready_path": servers.OURS.ready_path,
            "poll_interval_s": servers.POLL_INTERVAL_S,
            "before_tree": str(before) if before else None,
        },
        figures={
            "summary": summary,
            "attempts_s": {"sqlite": sqlite, "postgresql": pg},
            "build_cpu": build_summary,
            "build_cpu_attempts_s": build,
        },
        ok=True,
    )
    print("\nApp build CPU (create_app in a fresh interpreter, after importing meshery.app; target <= 0.3 s)")
    print(results.table(["tree", "median s", "min s", "max s"], [[k, *v.values()] for k, v in build_summary.items()]))
    print("\nStart-up of our server to ready (spawn to first 200 on /healthz/ready)")
    print(results.table(["database", "median s", "min s", "max s"], rows))
    print(f"OK; written {path.relative_to(path.parents[2])}\n")
    return True


def _summary(times: list[float]) -> dict[str, float]:
    return {"median_s": results.median(times), "min_s": min(times), "max_s": max(times)}
