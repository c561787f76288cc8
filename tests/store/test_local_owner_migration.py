"""Migration ``0010_local_owner`` on SQLite and PostgreSQL: rows the local user stored under the
name "meshery" are owned by its UUID afterwards, in every table with an owner column; rows of
other owners and system rows (no owner) are left as they were."""

from __future__ import annotations

import datetime
import importlib
import itertools
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command
from sqlalchemy import Connection

from meshery.providers.local import LOCAL_USER_UUID
from meshery.store import Store, migrate
from meshery.store.engine import database_url

MIGRATION = importlib.import_module("meshery.store.migrations.versions.0010_local_owner")
BEFORE: tuple[str, ...] = MIGRATION.down_revision
OTHER = "9b0c3d4e-5f60-4a1b-8c2d-3e4f5a6b7c8d"  # a remote provider's user


@pytest.fixture
async def store(tmp_path: Path, database_url: str) -> AsyncIterator[Store]:
    db = Store(_url(database_url, tmp_path))
    try:
        yield db
    finally:
        await db.dispose()


def _url(url: str, tmp_path: Path) -> str:
    return database_url(url, tmp_path / "store.sqlite3")


def _upgrade(conn: Connection, target: str) -> None:
    config = migrate.alembic_config()
    config.attributes["connection"] = conn
    command.upgrade(config, target)


_serial = itertools.count()


def _value(column: sa.Column[Any]) -> Any:
    """A value the column accepts (distinct for text, so primary keys stay unique)."""
    kind = column.type
    if isinstance(kind, sa.DateTime):
        return datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
    if isinstance(kind, sa.Boolean):
        return False
    if isinstance(kind, (sa.Integer, sa.Numeric)):
        return next(_serial)
    if isinstance(kind, sa.JSON):
        return {}
    if isinstance(kind, sa.LargeBinary):
        return b""
    text = f"v{next(_serial)}"
    length = getattr(kind, "length", None)
    return text[:length] if length else text


def _insert(conn: Connection, name: str, column: str, owner: str | None) -> None:
    table = sa.Table(name, sa.MetaData(), autoload_with=conn)
    row = {c.name: _value(c) for c in table.columns if c.primary_key or not c.nullable}
    row[column] = owner
    conn.execute(table.insert().values(row))


def _owners(conn: Connection, name: str, column: str) -> list[str | None]:
    table = sa.Table(name, sa.MetaData(), autoload_with=conn)
    return sorted(conn.execute(sa.select(table.c[column])).scalars(), key=lambda v: (v is None, v or ""))


async def test_rows_of_the_local_user_are_owned_by_its_uuid(store: Store) -> None:
    assert MIGRATION.NEW_OWNER == LOCAL_USER_UUID  # the migration's frozen value is the local user's id

    def before(conn: Connection) -> None:
        for revision in BEFORE:
            _upgrade(conn, revision)
        for name, column in MIGRATION.OWNED:
            nullable = sa.Table(name, sa.MetaData(), autoload_with=conn).c[column].nullable
            for owner in ("meshery", OTHER, *([None] if nullable else [])):
                _insert(conn, name, column, owner)

    async with store.engine.begin() as conn:
        await conn.run_sync(before)
    await migrate.migrate(store)

    def owners(conn: Connection) -> dict[str, list[str | None]]:
        return {name: _owners(conn, name, column) for name, column in MIGRATION.OWNED}

    async with store.engine.connect() as conn:
        found = await conn.run_sync(owners)
    for name, values in found.items():
        assert "meshery" not in values, name
        assert LOCAL_USER_UUID in values and OTHER in values, (name, values)
        assert len(values) in (2, 3), (name, values)  # nothing added or lost


# Tables created by later migrations: their rows are owned by the local user's UUID from the start.
CREATED_LATER = (
    ("meshery_filters", "user_id"),
    ("perf_profiles", "user_id"), ("perf_results", "user_id"), ("perf_schedules", "user_id"),
    ("perf_test_configs", "user_id"),
)  # fmt: skip


async def test_every_owner_column_of_the_models_is_rewritten() -> None:
    """A table added later with an owner column needs a line in the migration (or a new one)."""
    from meshery.store.models import metadata

    names = {"owner", "user_id", "user_key"}
    owned = {(t.name, c.name) for t in metadata.sorted_tables for c in t.columns if c.name in names}
    assert owned - set(CREATED_LATER) == set(MIGRATION.OWNED)
