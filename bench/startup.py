"""Start-up: spawn of ``python -m meshery.cli`` to its first 200 on ``/healthz/ready``.

Each attempt uses a fresh data folder (SQLite) or a fresh database (PostgreSQL), so it
includes creating the schema and running every migration, as a first start on a new
machine does. Readiness is polled every 5 ms (``servers.POLL_INTERVAL_S``); the figure
is the median of ``repeat`` attempts (all are recorded).
"""

from __future__ import annotations

import sys
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg

from bench import postgres, results, servers


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


def run(*, repeat: int, with_postgres: bool = True) -> bool:
    """Measure on SQLite and (unless disabled) on an embedded PostgreSQL; write one results file."""
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
    path = results.write(
        "startup",
        parameters={
            "repeat": repeat,
            "databases": list(summary),
            "ready_path": servers.OURS.ready_path,
            "poll_interval_s": servers.POLL_INTERVAL_S,
        },
        figures={"summary": summary, "attempts_s": {"sqlite": sqlite, "postgresql": pg}},
        ok=True,
    )
    print("\nStart-up of our server to ready (spawn to first 200 on /healthz/ready)")
    print(results.table(["database", "median s", "min s", "max s"], rows))
    print(f"OK; written {path.relative_to(path.parents[2])}\n")
    return True


def _summary(times: list[float]) -> dict[str, float]:
    return {"median_s": results.median(times), "min_s": min(times), "max_s": max(times)}
