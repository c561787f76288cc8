"""Engine, sessions and health of the database.

SQLite (embedded default) runs in WAL mode with a busy timeout, and writes of
one process go through one lock, so concurrent requests never see "database
is locked". PostgreSQL is used when DATABASE_URL is ``postgres://`` or
``postgresql://`` (driver psycopg 3).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from generated import errors
from meshery.store import instrument

log = logging.getLogger(__name__)

SQLITE_BUSY_TIMEOUT_MS = 10_000


def database_url(database_url: str, sqlite_path: Path) -> URL:
    """The SQLAlchemy URL for DATABASE_URL, or the embedded SQLite file."""
    if not database_url:
        return URL.create("sqlite+aiosqlite", database=str(sqlite_path))
    url = make_url(database_url.replace("postgres://", "postgresql://", 1))
    if url.get_backend_name() == "postgresql":
        return url.set(drivername="postgresql+psycopg")
    return url.set(drivername="sqlite+aiosqlite")


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cursor = dbapi_conn.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


class TTLCache:
    """Tiny per-store cache of derived facts (e.g. the table list), with expiry."""

    def __init__(self) -> None:
        self._items: dict[str, tuple[float, Any]] = {}

    def get(self, key: str) -> Any:
        item = self._items.get(key)
        if item is None or item[0] < time.monotonic():
            return None
        return item[1]

    def put(self, key: str, value: Any, *, ttl: float) -> None:
        self._items[key] = (time.monotonic() + ttl, value)

    def clear(self) -> None:
        self._items.clear()


class Store:
    """One database: its engine, session factories and migration state."""

    def __init__(self, url: URL, *, echo: bool = False) -> None:
        self.url = url
        self.dialect = url.get_backend_name()
        kwargs: dict[str, Any] = {"echo": echo, "pool_pre_ping": self.dialect == "postgresql"}
        if self.dialect == "sqlite" and url.database:
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        if self.dialect == "postgresql":
            # Fail fast when the server is away; start-up and readiness retry.
            kwargs.update(pool_size=10, max_overflow=20, connect_args={"connect_timeout": 5})
        self.engine: AsyncEngine = create_async_engine(url, **kwargs)
        if self.dialect == "sqlite":
            event.listen(self.engine.sync_engine, "connect", _sqlite_pragmas)
        instrument.attach(self.engine, self.dialect)  # statement spans, pool metrics (meshery.observability)
        self._sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        # SQLite has one writer at a time; queueing writers here turns lock
        # contention inside this process into waiting instead of errors.
        self._write_lock = asyncio.Lock() if self.dialect == "sqlite" else None
        self.migrated = False
        self.cache = TTLCache()

    @property
    def display_url(self) -> str:
        """The URL with any password hidden, for logs."""
        return self.url.render_as_string(hide_password=True)

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        """A session for reads; nothing is committed."""
        try:
            async with self._sessions() as session:
                yield session
        except (OperationalError, InterfaceError) as exc:
            raise _unavailable(exc) from exc

    @asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncSession]:
        """A session committed on success and rolled back on any error."""
        try:
            if self._write_lock is None:
                async with self._sessions.begin() as session:
                    yield session
            else:
                async with self._write_lock, self._sessions.begin() as session:
                    yield session
        except (OperationalError, InterfaceError) as exc:
            raise _unavailable(exc) from exc

    async def ping(self) -> bool:
        try:
            async with self.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
        except (DBAPIError, OSError) as exc:
            log.warning("database ping failed: %s", type(exc).__name__)
            return False
        return True

    async def dispose(self) -> None:
        await self.engine.dispose()


def _unavailable(exc: DBAPIError) -> errors.ErrDatabaseUnavailable:
    # The driver's message can carry host names and users; keep it in the log.
    log.warning("database error: %s", exc.orig if exc.orig is not None else exc)
    return errors.ErrDatabaseUnavailable(type(exc.orig or exc).__name__)
