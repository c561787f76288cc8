"""Registry at scale: import rate, second start, list/search latency, RSS and SQL statements per request.

A synthetic catalog (``bench.registry_catalog``, N models x M components, 90,000 by
default) is imported by a real server process (``MESHERY_MODELS_PATH``) on SQLite and
on an embedded PostgreSQL. Figures per database:

* import rate: components per second, from the server's own "registry import done" log line;
* first start: spawn to ``/healthz/ready``, and ready to full counts (the import);
* second start with the catalog unchanged: spawn to ready, and ready to the end of the
  (no-op) import scan, with the counts checked complete at once;
* p50/p99 of ``GET /api/meshmodels/components?search=...`` and of one model's component
  list, sequential keep-alive requests; the baseline measured in the same run is
  ``GET /api/system/version`` (no database), and the ratio list/baseline is printed;
* peak RSS of the server process (VmHWM) after the import and the requests;
* SQL statements per list request (warm: after one request of the same kind), counted
  in-process on the imported database.
"""

from __future__ import annotations

import asyncio
import http.client
import json
import re
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import psycopg

from bench import postgres, registry_catalog, results, servers

DONE = re.compile(r"registry import done in ([0-9.]+) s: .*?, (\d+) components \(([0-9]+) components/s\)")


def _get(conn: http.client.HTTPConnection, path: str) -> tuple[float, bytes]:
    started = time.perf_counter()
    conn.request("GET", path)
    response = conn.getresponse()
    body = response.read()
    if response.status != 200:
        raise RuntimeError(f"GET {path} answered {response.status}: {body[:300]!r}")
    return time.perf_counter() - started, body


def _latency(port: int, path: str, *, requests: int) -> dict[str, float]:
    conn = http.client.HTTPConnection(servers.HOST, port, timeout=30)
    try:
        for _ in range(5):
            _get(conn, path)
        times = sorted(_get(conn, path)[0] * 1000 for _ in range(requests))
    finally:
        conn.close()
    return {
        "p50_ms": round(statistics.median(times), 3),
        "p99_ms": round(times[min(len(times) - 1, int(len(times) * 0.99))], 3),
    }


def _total(port: int) -> int:
    conn = http.client.HTTPConnection(servers.HOST, port, timeout=30)
    try:
        body = json.loads(_get(conn, "/api/meshmodels/components?pagesize=1")[1])
    finally:
        conn.close()
    return int(body["total_count"])


def _wait_for_log(log: Path, *, timeout: float) -> tuple[float, re.Match[str]]:
    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        found = DONE.search(log.read_text(errors="replace"))
        if found:
            return time.perf_counter() - started, found
        time.sleep(0.02)
    raise RuntimeError(f"no 'registry import done' line in {log} after {timeout} s")


def _rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def _count_statements(env: dict[str, str], workdir: Path) -> dict[str, int]:
    """SQL statements per list request, counted on the imported database in-process."""
    import httpx
    from sqlalchemy import event

    from meshery.app import create_app
    from meshery.config import Settings

    settings = Settings.from_env({**env, "USER_DATA_FOLDER": str(workdir)})

    async def run() -> dict[str, int]:
        app = create_app(settings)
        counts: dict[str, int] = {}
        async with app.router.lifespan_context(app):
            store = app.state.meshery.services.store
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
                for label, path in (
                    ("search", "/api/meshmodels/components?search=kind0042"),
                    ("model_components", "/api/meshmodels/models/synthetic-model-0001/components"),
                    ("models", "/api/meshmodels/models"),
                ):
                    assert (await client.get(path)).status_code == 200  # warm: caches per registry generation
                    statements: list[str] = []

                    def record(*args: Any, _s: list[str] = statements) -> None:
                        _s.append(args[2])

                    event.listen(store.engine.sync_engine, "before_cursor_execute", record)
                    assert (await client.get(path)).status_code == 200
                    event.remove(store.engine.sync_engine, "before_cursor_execute", record)
                    counts[label] = len(statements)
        return counts

    return asyncio.run(run())


def _measure(catalog: Path, expected: int, workdir: Path, database_url: str | None, requests: int) -> dict[str, Any]:
    env = {"MESHERY_MODELS_PATH": str(catalog), "REGISTER_STATIC_K8S": "false", "LOG_LEVEL": "info"}
    if database_url:
        env["DATABASE_URL"] = database_url
    figures: dict[str, Any] = {}
    with servers.running(servers.OURS, data_dir=workdir, extra_env=env, timeout=120) as server:
        import_wait, found = _wait_for_log(workdir / "ours.log", timeout=600)
        figures["first_start_ready_s"] = round(server.startup_s, 3)
        figures["import_s"] = float(found.group(1))
        figures["import_components"] = int(found.group(2))
        figures["import_rate_components_per_s"] = int(found.group(3))
        figures["ready_to_full_counts_s"] = round(import_wait, 3)
        figures["total_count"] = _total(server.port)
        figures["version_baseline"] = _latency(server.port, "/api/system/version", requests=requests)
        figures["search"] = _latency(server.port, "/api/meshmodels/components?search=kind0042", requests=requests)
        figures["model_components"] = _latency(
            server.port, "/api/meshmodels/models/synthetic-model-0001/components", requests=requests
        )
        figures["models"] = _latency(server.port, "/api/meshmodels/models", requests=requests)
        figures["peak_rss_mib"] = round(_rss_kib(server.pid) / 1024, 1)
    print(f"  first start: {figures['import_rate_components_per_s']} components/s", file=sys.stderr, flush=True)
    with servers.running(servers.OURS, data_dir=workdir, extra_env=env, timeout=120) as server:
        counted = _total(server.port)
        scan_wait, found = _wait_for_log(workdir / "ours.log", timeout=120)
        figures["second_start_ready_s"] = round(server.startup_s, 3)
        figures["second_start_counts_complete_at_ready"] = counted == expected
        figures["second_start_ready_to_scan_done_s"] = round(scan_wait, 3)
        figures["second_start_scan_s"] = float(found.group(1))
        figures["second_start_peak_rss_mib"] = round(_rss_kib(server.pid) / 1024, 1)
    figures["sql_statements_per_request"] = _count_statements(env, workdir)
    base = figures["version_baseline"]["p50_ms"]
    for key in ("search", "model_components", "models"):
        figures[key]["ratio_to_version_p50"] = results.ratio(figures[key]["p50_ms"], base)
    return figures


def _fresh_pg(server_url: str) -> str:
    name = f"registry_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base, _, query = server_url.partition("?")
    return base.rsplit("/", 1)[0] + f"/{name}" + (f"?{query}" if query else "")


def run(*, models: int = 300, components: int = 300, requests: int = 200, with_postgres: bool = True) -> bool:
    with tempfile.TemporaryDirectory(prefix="meshery-bench-registry-") as tmp:
        root = Path(tmp)
        started = time.perf_counter()
        expected = registry_catalog.generate(root / "catalog", models=models, components=components)
        print(f"  catalog: {expected} components in {time.perf_counter() - started:.1f} s", file=sys.stderr)
        by_db: dict[str, Any] = {}
        ok = True
        try:
            by_db["sqlite"] = _measure(root / "catalog", expected, root / "sqlite", None, requests)
            if with_postgres:
                (root / "pg").mkdir()
                with postgres.embedded(root / "pg") as url:
                    pg_url = _fresh_pg(url)
                    by_db["postgresql"] = _measure(root / "catalog", expected, root / "pgserver", pg_url, requests)
        except RuntimeError as exc:
            print(f"registry benchmark failed: {exc}", file=sys.stderr)
            ok = False
        for figures in by_db.values():
            ok &= figures["total_count"] == expected and figures["second_start_counts_complete_at_ready"]
    rows = []
    for db, f in by_db.items():
        rows.append(
            [
                db,
                f["import_rate_components_per_s"],
                f["import_s"],
                f["second_start_ready_s"],
                f["second_start_ready_to_scan_done_s"],
                f["search"]["p50_ms"],
                f["search"]["p99_ms"],
                f["model_components"]["p50_ms"],
                f["model_components"]["p99_ms"],
                f["version_baseline"]["p50_ms"],
                f["peak_rss_mib"],
                f["sql_statements_per_request"]["search"],
            ]
        )
    print(
        results.table(
            [
                "db",
                "import/s",
                "import s",
                "2nd ready s",
                "2nd scan s",
                "search p50",
                "search p99",
                "model p50",
                "model p99",
                "version p50",
                "RSS MiB",
                "SQL/req",
            ],
            rows,
        )
    )
    path = results.write(
        "registry",
        parameters={"models": models, "components_per_model": components, "requests": requests},
        figures={"databases": by_db},
        ok=ok,
    )
    print(f"results: {path}", file=sys.stderr)
    return ok
