"""Apply the Alembic migrations at start-up, idempotently, on SQLite or PostgreSQL.

Replicas sharing one PostgreSQL may start together; a transaction-level
advisory lock makes them migrate one after the other (the second finds the
schema at head and does nothing).
"""

from __future__ import annotations

import asyncio
import logging
import time
import weakref
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, text

from generated import errors
from meshery.store.engine import Store

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).parent / "migrations"
ADVISORY_LOCK_ID = 0x6D657368  # "mesh"
# Alembic keeps its running environment in module globals, so two migrations
# in one process (several stores, as in tests) must not interleave.
_locks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = weakref.WeakKeyDictionary()


def _in_process_lock() -> asyncio.Lock:
    loop = asyncio.get_running_loop()
    lock = _locks.get(loop)
    if lock is None:
        lock = _locks[loop] = asyncio.Lock()
    return lock


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def head_revisions() -> set[str]:
    """Every head of the history: areas branch off independently, so there may be several."""
    return set(ScriptDirectory.from_config(alembic_config()).get_heads())


def _upgrade(conn: Connection) -> tuple[str, str]:
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": ADVISORY_LOCK_ID})
    before = ",".join(sorted(MigrationContext.configure(conn).get_current_heads())) or "base"
    config = alembic_config()
    config.attributes["connection"] = conn
    command.upgrade(config, "heads")
    after = ",".join(sorted(MigrationContext.configure(conn).get_current_heads())) or "base"
    return before, after


async def migrate(store: Store) -> None:
    """Bring the schema to head; raises ErrDatabaseMigration on failure."""
    started = time.perf_counter()
    try:
        async with _in_process_lock(), store.engine.begin() as conn:
            before, after = await conn.run_sync(_upgrade)
    except errors.MesheryError:
        raise
    except Exception as exc:
        log.error("migration failed on %s: %s", store.display_url, exc)
        raise errors.ErrDatabaseMigration(f"{type(exc).__name__} on {store.dialect}") from exc
    store.migrated = True
    store.cache.clear()
    if before == after:
        log.info("database %s at revision %s (no migration needed)", store.dialect, after)
    else:
        log.info(
            "database %s migrated %s -> %s in %.0f ms",
            store.dialect,
            before or "empty",
            after,
            (time.perf_counter() - started) * 1000,
        )
