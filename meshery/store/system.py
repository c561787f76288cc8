"""Repository of whole-database operations: table row counts, reset, settings."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import Connection, delete, func, inspect, literal, select, table, union_all
from sqlalchemy.exc import IntegrityError

from meshery.store import ownership
from meshery.store.engine import Store
from meshery.store.models import metadata
from meshery.store.tables import SystemSetting

# Reflecting the table list costs a round trip and an Inspector per call; the
# list only changes with migrations, so a few seconds of staleness is fine.
TABLE_NAMES_TTL = 5.0


@dataclass(frozen=True, slots=True)
class TableCount:
    name: str
    count: int
    type: str = "table"  # what the entry counts (`@meshery/schemas` requires it)


def _table_names(conn: Connection) -> list[str]:
    return sorted(inspect(conn).get_table_names())


async def table_counts(store: Store) -> list[TableCount]:
    """Every table in the database (including the migration table) with its rows."""
    async with store.read() as session:
        names = store.cache.get("table_names")
        if names is None:
            conn = await session.connection()
            names = await conn.run_sync(_table_names)
            store.cache.put("table_names", names, ttl=TABLE_NAMES_TTL)
        if not names:
            return []
        # One round trip: a UNION ALL of per-table counts.
        parts = [
            select(literal(name).label("name"), func.count().label("count")).select_from(table(name)) for name in names
        ]
        rows = (await session.execute(union_all(*parts))).all()
    return [TableCount(name=str(r[0]), count=int(r[1])) for r in rows]


async def reset(store: Store) -> list[str]:
    """Delete every row of the application tables; the schema stays. Returns the tables."""
    emptied: list[str] = []
    with ownership.unscoped():
        async with store.write() as session:
            for tbl in reversed(metadata.sorted_tables):
                await session.execute(delete(tbl))
                emptied.append(tbl.name)
    return emptied


async def get_setting(store: Store, key: str) -> str | None:
    async with store.read() as session:
        row = await session.get(SystemSetting, key)
        return None if row is None else row.value


async def instance_id(store: Store) -> str:
    """This installation's id: created once, kept across restarts and replicas."""
    existing = await get_setting(store, "instance_id")
    if existing:
        return existing
    new = str(uuid.uuid4())
    try:
        async with store.write() as session:
            session.add(SystemSetting(key="instance_id", value=new))
    except IntegrityError:
        # Another replica created it between our read and our write.
        return await get_setting(store, "instance_id") or new
    return new
