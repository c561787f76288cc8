"""The store on SQLite and PostgreSQL: migrations, counts, reset, settings, concurrency."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, text

from generated import errors
from meshery.store import Store, migrate, system
from meshery.store.engine import database_url
from meshery.store.models import metadata


@pytest.fixture
async def store(tmp_path: Path, database_url: str) -> AsyncIterator[Store]:
    db = Store(_url(database_url, tmp_path))
    try:
        yield db
    finally:
        await db.dispose()


def _url(url: str, tmp_path: Path):  # type: ignore[no-untyped-def]
    return database_url(url, tmp_path / "store.sqlite3")


async def test_migrate_is_idempotent_and_reaches_head(store: Store) -> None:
    await migrate.migrate(store)
    await migrate.migrate(store)
    async with store.read() as session:
        versions = (await session.execute(text("SELECT version_num FROM alembic_version"))).scalars()
        assert set(versions) == migrate.head_revisions()
    assert store.migrated


async def test_models_match_migrations(store: Store) -> None:
    """What autogenerate would write after the last migration: nothing."""
    await migrate.migrate(store)

    def diff(conn: Connection) -> list[object]:
        return list(compare_metadata(MigrationContext.configure(conn), metadata))

    async with store.engine.connect() as conn:
        assert await conn.run_sync(diff) == []


async def test_second_store_on_same_database_sees_data(store: Store, tmp_path: Path, database_url: str) -> None:
    await migrate.migrate(store)
    first = await system.instance_id(store)
    again = Store(_url(database_url, tmp_path))
    try:
        await migrate.migrate(again)
        assert await system.instance_id(again) == first
    finally:
        await again.dispose()


async def test_concurrent_migrations_do_not_conflict(tmp_path: Path, database_url: str) -> None:
    stores = [Store(_url(database_url, tmp_path)) for _ in range(3)]
    try:
        await asyncio.gather(*(migrate.migrate(s) for s in stores))
        ids = await asyncio.gather(*(system.instance_id(s) for s in stores))
        assert len(set(ids)) == 1
    finally:
        for s in stores:
            await s.dispose()


async def test_table_counts_and_reset(store: Store) -> None:
    await migrate.migrate(store)
    await system.instance_id(store)
    counts = {t.name: t.count for t in await system.table_counts(store)}
    assert counts["system_settings"] == 1
    emptied = await system.reset(store)
    assert "system_settings" in emptied
    counts = {t.name: t.count for t in await system.table_counts(store)}
    assert counts == {**counts, "system_settings": 0, "alembic_version": len(migrate.head_revisions())}


async def test_many_concurrent_writers(store: Store) -> None:
    await migrate.migrate(store)

    async def write(i: int) -> None:
        async with store.write() as session:
            await session.execute(
                text("INSERT INTO system_settings (key, value) VALUES (:k, :v)"), {"k": f"k{i}", "v": str(i)}
            )

    await asyncio.gather(*(write(i) for i in range(50)))
    counts = {t.name: t.count for t in await system.table_counts(store)}
    assert counts["system_settings"] == 50


async def test_write_rolls_back_on_error(store: Store) -> None:
    await migrate.migrate(store)
    with pytest.raises(RuntimeError):
        async with store.write() as session:
            await session.execute(text("INSERT INTO system_settings (key, value) VALUES ('a', 'b')"))
            raise RuntimeError("boom")
    assert await system.get_setting(store, "a") is None


async def test_unreachable_database_is_unavailable_not_500(tmp_path: Path) -> None:
    db = Store(database_url("postgresql://nobody@/nothing?host=/nonexistent-socket-dir", tmp_path / "x"))
    try:
        assert await db.ping() is False
        with pytest.raises(errors.ErrDatabaseUnavailable):
            async with db.read() as session:
                await session.execute(text("SELECT 1"))
        with pytest.raises(errors.ErrDatabaseMigration):
            await migrate.migrate(db)
    finally:
        await db.dispose()


def test_database_url_mapping(tmp_path: Path) -> None:
    sqlite = database_url("", tmp_path / "a.sqlite3")
    assert sqlite.drivername == "sqlite+aiosqlite" and sqlite.database == str(tmp_path / "a.sqlite3")
    assert database_url("postgres://u:p@h/db", tmp_path).drivername == "postgresql+psycopg"
    assert database_url("postgresql://u@/db?host=/tmp", tmp_path).query == {"host": "/tmp"}
    assert database_url("sqlite:///x.db", tmp_path).drivername == "sqlite+aiosqlite"
    assert "p@" not in Store(database_url("postgres://u:secret@h/db", tmp_path)).display_url.replace("***", "")
