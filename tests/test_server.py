"""The real server process: start-up, restart on the same database, config errors, pages.

The page tests only read, so they share one server process for the module.
"""

from __future__ import annotations

import asyncio
import re
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import psycopg
import pytest

from generated import errors
from tests.fixtures.postgres import Postgres
from tests.fixtures.server import ServerProcess


def test_starts_restarts_and_stops_on_sqlite(server_factory: type[ServerProcess], tmp_path: Path) -> None:
    first = server_factory()
    first.start()
    version = httpx.get(f"{first.url}/api/system/version").json()
    assert version["build"]
    instance = re.search(r"instance ([0-9a-f-]{36})", first.logs())
    assert instance is not None
    assert first.stop() == 0
    assert (tmp_path / "meshery" / "mesherydb.sqlite3").is_file()

    second = server_factory()
    second.start()
    assert "no migration needed" in second.logs()
    assert instance.group(1) in second.logs()
    assert httpx.get(f"{second.url}/healthz/ready").status_code == 200


@pytest.mark.postgres
def test_starts_and_restarts_on_postgres(server_factory: type[ServerProcess], pg_url: str) -> None:
    first = server_factory(env={"DATABASE_URL": pg_url})
    first.start()
    tables = httpx.get(f"{first.url}/api/system/database", params={"pagesize": 100}).json()["tables"]
    assert {t["name"] for t in tables} >= {"alembic_version", "system_settings"}
    first.stop()
    second = server_factory(env={"DATABASE_URL": pg_url})
    second.start()
    assert "database postgresql at revision" in second.logs()
    assert httpx.get(f"{second.url}/api/system/version").status_code == 200


@pytest.mark.postgres
def test_two_replicas_share_one_postgres(server_factory: type[ServerProcess], pg_url: str) -> None:
    a = server_factory(env={"DATABASE_URL": pg_url})
    b = server_factory(env={"DATABASE_URL": pg_url})
    a.start()
    b.start()
    assert httpx.delete(f"{a.url}/api/system/database/reset").status_code == 200
    counts = {
        t["name"]: t["count"]
        for t in httpx.get(f"{b.url}/api/system/database", params={"pagesize": 100}).json()["tables"]
    }
    assert counts["system_settings"] == 0


@pytest.mark.parametrize(("name", "value"), [("PORT", "eighty"), ("DATABASE_URL", "mysql://x/y"), ("DEBUG", "perhaps")])
def test_invalid_config_stops_with_one_line(name: str, value: str, tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "meshery.cli"],
        env={"PATH": "/usr/bin:/bin", name: value, "USER_DATA_FOLDER": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert name in lines[0] and errors.ErrConfigInvalid.code in lines[0]


@pytest.fixture(scope="module")
def shared_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    srv = ServerProcess(workdir=tmp_path_factory.mktemp("pages"))
    srv.start()
    try:
        yield srv
    finally:
        srv.stop()


def test_playground_page_loads_no_external_script(shared_server: ServerProcess) -> None:
    page = httpx.get(f"{shared_server.url}/api/system/graphql/playground")
    assert page.status_code == 200
    sources = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert sources, "the page references its assets"
    for source in sources:
        assert not re.match(r"^(https?:)?//", source), source
        if source.startswith("/"):
            assert httpx.get(f"{shared_server.url}{source}").status_code == 200, source


def test_swagger_ui_and_spec(shared_server: ServerProcess) -> None:
    ui = httpx.get(f"{shared_server.url}/api/docs/")
    assert ui.status_code == 200 and "swagger" in ui.text.lower()
    for src in re.findall(r'src="([^"]+)"', ui.text):
        assert not re.match(r"^(https?:)?//", src), src
    assert "openapi: 3.0.3" in httpx.get(f"{shared_server.url}/api/openapi.yaml").text
    assert httpx.get(f"{shared_server.url}/api/openapi.json").json()["openapi"] == "3.0.3"


@pytest.mark.postgres
def test_waits_for_an_unreachable_database(server_factory: type[ServerProcess], postgres_server: Postgres) -> None:
    """Live but not ready until the database exists; then migrated and ready without a restart."""
    name = f"late_{uuid.uuid4().hex[:8]}"
    server = server_factory(env={"DATABASE_URL": postgres_server.url(name)})
    server.start_background()
    server.wait_live(timeout=30)
    live = httpx.get(f"{server.url}/healthz/live", timeout=5)
    assert live.status_code == 200
    ready = httpx.get(f"{server.url}/healthz/ready", timeout=5)
    assert ready.status_code == 503 and ready.json()["code"] == errors.ErrDatabaseNotReady.code
    db = httpx.get(f"{server.url}/api/system/database", timeout=5)
    assert db.status_code == 503
    with psycopg.connect(postgres_server.url(), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        server.wait_ready(timeout=30)
        assert httpx.get(f"{server.url}/api/system/database").status_code == 200
    finally:
        server.stop()
        postgres_server.drop_database(name)


def test_two_processes_share_one_sqlite_file(server_factory: type[ServerProcess]) -> None:
    """WAL and the busy timeout keep two writers on one SQLite file from failing."""
    a, b = server_factory(), server_factory()
    a.start()
    b.start()

    async def hammer() -> list[int]:
        async with httpx.AsyncClient(timeout=30) as http:

            async def one(i: int) -> int:
                base = (a, b)[i % 2].url
                if i % 3 == 0:
                    return (await http.delete(f"{base}/api/system/database/reset")).status_code
                return (await http.get(f"{base}/api/system/database")).status_code

            return list(await asyncio.gather(*(one(i) for i in range(120))))

    statuses = asyncio.run(hammer())
    assert set(statuses) == {200}, statuses
    assert "database is locked" not in a.logs() + b.logs()
