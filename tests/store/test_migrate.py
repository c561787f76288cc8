"""Migrations on one PostgreSQL shared by replicas: the advisory lock makes them take turns.

The in-process lock of ``migrate`` serialises migrations inside one process, so these tests
migrate from other processes, or hold the advisory lock from another connection, where only
the advisory lock can make a migration wait.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest

from meshery.store import Store, migrate
from meshery.store.engine import database_url

pytestmark = pytest.mark.postgres

DEADLINE = 120.0  # generous: a slow shared machine only makes these tests slower, never fail

# One replica: connects, says "ready", waits for "go" on stdin, then migrates.
REPLICA = """
import asyncio, sys
from pathlib import Path
from sqlalchemy import text
from meshery.store import Store, migrate
from meshery.store.engine import database_url

async def main() -> None:
    store = Store(database_url(sys.argv[1], Path(sys.argv[2])))
    async with store.engine.connect() as conn:  # the connection is pooled before the start signal
        await conn.execute(text("SELECT 1"))
    print("ready", flush=True)
    sys.stdin.readline()
    try:
        await migrate.migrate(store)
    finally:
        await store.dispose()

asyncio.run(main())
"""


def _heads(url: str) -> set[str]:
    with psycopg.connect(url) as conn:
        return {row[0] for row in conn.execute("SELECT version_num FROM alembic_version")}


def _waiting_for_advisory_lock(conn: psycopg.Connection[tuple[object, ...]]) -> int:
    """Backends waiting for the migration's advisory lock (a bigint key: low 32 bits in objid)."""
    row = conn.execute(
        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND objid = %s",
        (migrate.ADVISORY_LOCK_ID & 0xFFFFFFFF,),
    ).fetchone()
    assert row is not None
    return int(str(row[0]))


async def test_migration_waits_while_another_connection_holds_the_advisory_lock(pg_url: str, tmp_path: Path) -> None:
    store = Store(database_url(pg_url, tmp_path / "unused.sqlite3"))
    holder = psycopg.connect(pg_url)
    try:
        holder.execute("SELECT pg_advisory_xact_lock(%s)", (migrate.ADVISORY_LOCK_ID,))
        running = asyncio.create_task(migrate.migrate(store))
        deadline = time.monotonic() + DEADLINE
        with psycopg.connect(pg_url, autocommit=True) as observer:
            while not _waiting_for_advisory_lock(observer):
                assert not running.done(), "the migration ran while another connection held the advisory lock"
                assert time.monotonic() < deadline, "the migration never asked for the advisory lock"
                await asyncio.sleep(0.02)
            await asyncio.sleep(0.2)
            assert not running.done()
            assert observer.execute("SELECT to_regclass('alembic_version')").fetchone() == (None,)
            holder.rollback()  # the lock ends with the holder's transaction
            await asyncio.wait_for(running, DEADLINE)
        assert _heads(pg_url) == migrate.head_revisions()
    finally:
        holder.close()
        await store.dispose()


def test_replica_processes_migrating_one_fresh_database_together(pg_url: str, tmp_path: Path) -> None:
    replicas = [
        subprocess.Popen(
            [sys.executable, "-c", REPLICA, pg_url, str(tmp_path / f"unused-{n}.sqlite3")],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(4)
    ]
    try:
        for replica in replicas:  # a barrier: every replica is connected before any migrates
            assert replica.stdout is not None and replica.stdout.readline().strip() == "ready"
        for replica in replicas:
            assert replica.stdin is not None
            replica.stdin.write("go\n")
            replica.stdin.flush()
        failures = []
        for replica in replicas:
            _, err = replica.communicate(timeout=DEADLINE)
            if replica.returncode != 0:
                failures.append(err.strip().splitlines()[-1:] or [f"exit {replica.returncode}"])
        assert failures == [], failures
        assert _heads(pg_url) == migrate.head_revisions()
    finally:
        for replica in replicas:
            if replica.poll() is None:
                replica.kill()
                replica.wait()
