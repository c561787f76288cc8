"""Registry writes: package bookkeeping and bulk replacement of a package's entities.

Rows are inserted with one multi-row statement per table (executemany), not
one ORM object per row: this is what makes tens of thousands of components
per second possible on SQLite and PostgreSQL. A package is replaced inside
one transaction, so readers see either its old or its new entities.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from meshery.store.engine import Store
from meshery.store.registry_tables import (
    RegistryCategory,
    RegistryComponent,
    RegistryComponentBody,
    RegistryEntity,
    RegistryModel,
    RegistryPackage,
    RegistryRegistrant,
    RegistryRelationship,
)
from meshery.store.tables import SystemSetting

# PostgreSQL limits one statement to 65,535 bound parameters.
CHUNK = 2000
# A system setting changed by every registry write: readers cache derived
# facts (counts, the search index) per generation, across replicas too.
GENERATION_KEY = "registry_generation"


@dataclass(frozen=True, slots=True)
class PackageState:
    key: str
    location: str
    fingerprint: str
    content_hash: str
    status: str


@dataclass(frozen=True, slots=True)
class Registrant:
    kind: str
    name: str
    type: str
    sub_type: str


@dataclass
class Placement:
    """Where a package's model lands: its id and status once duplicates are known."""

    model_id: str
    status: str
    registrant_id: str
    category_id: str


def version_key(version: str) -> tuple[tuple[int, int | str], ...]:
    """Natural order of upstream version strings (v1.35.0, 2.8.1, edge-25.10.6)."""
    return tuple((0, int(p)) if p.isdigit() else (1, p) for p in re.findall(r"\d+|[A-Za-z]+", version))


async def packages(store: Store) -> dict[str, PackageState]:
    async with store.read() as session:
        rows = await session.execute(
            select(
                RegistryPackage.id,
                RegistryPackage.location,
                RegistryPackage.fingerprint,
                RegistryPackage.content_hash,
                RegistryPackage.status,
            )
        )
        return {r[0]: PackageState(*r) for r in rows}


async def _registrant_id(session: AsyncSession, registrant: Registrant) -> str:
    found = await session.scalar(select(RegistryRegistrant.id).where(RegistryRegistrant.kind == registrant.kind))
    if found:
        return str(found)
    new_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"meshery-registrant:{registrant.kind}"))
    await session.execute(
        insert(RegistryRegistrant).values(
            id=new_id,
            kind=registrant.kind,
            name=registrant.name,
            type=registrant.type,
            sub_type=registrant.sub_type,
            status="registered",
        )
    )
    return new_id


async def _category_id(session: AsyncSession, name: str) -> str:
    found = await session.scalar(select(RegistryCategory.id).where(RegistryCategory.name == name))
    if found:
        return str(found)
    new_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"meshery-category:{name}"))
    await session.execute(insert(RegistryCategory).values(id=new_id, name=name, meta="{}"))
    return new_id


async def _bump(session: AsyncSession) -> None:
    values = {"value": uuid.uuid4().hex, "updated_at": datetime.now(UTC)}
    result = await session.execute(update(SystemSetting).where(SystemSetting.key == GENERATION_KEY).values(**values))
    if not getattr(result, "rowcount", 0):
        await session.execute(insert(SystemSetting).values(key=GENERATION_KEY, **values))


async def _insert_many(session: AsyncSession, table: Any, rows: list[dict[str, Any]]) -> None:
    """Insert plain rows the fastest way each driver offers: COPY on PostgreSQL, executemany on SQLite.

    Rows go to the driver as tuples, skipping SQLAlchemy's per-row parameter
    processing (the columns are plain text, integers and booleans); this is
    most of the import's speed.
    """
    if not rows:
        return
    columns = list(rows[0])
    values = [tuple(row[c] for c in columns) for row in rows]
    name = table.__table__.name
    conn = await session.connection()
    if conn.dialect.name == "postgresql":
        raw = await conn.get_raw_connection()
        driver = raw.driver_connection
        assert driver is not None
        async with driver.cursor() as cursor, cursor.copy(f"COPY {name} ({', '.join(columns)}) FROM STDIN") as copy:
            for value in values:
                await copy.write_row(value)
        return
    marks = ", ".join("?" for _ in columns)
    await conn.exec_driver_sql(f"INSERT INTO {name} ({', '.join(columns)}) VALUES ({marks})", values)


async def replace_package(
    store: Store,
    *,
    package: dict[str, Any],
    model_key: str,
    duplicate_id: str,
    requested_status: str,
    registrant: Registrant,
    category: str,
    rows_for: Callable[[Placement], Any],
) -> Placement:
    """Replace the entities of ``package`` (a registry_packages row) with freshly built rows.

    ``rows_for`` is called with the model's placement (a model with the same
    key from another package makes this one a ``duplicate`` with
    ``duplicate_id``) and returns an object with ``model``, ``components``,
    ``bodies``, ``relationships`` and ``entities`` row lists.
    """
    async with store.write() as session:
        await session.execute(delete(RegistryModel).where(RegistryModel.package_id == package["id"]))
        placement = Placement(
            model_id=model_key,
            status=requested_status,
            registrant_id=await _registrant_id(session, registrant),
            category_id=await _category_id(session, category),
        )
        # Still present after this package's own rows are gone: another package registered it.
        if await session.scalar(select(RegistryModel.id).where(RegistryModel.id == model_key)):
            placement.model_id, placement.status = duplicate_id, "duplicate"
            await session.execute(delete(RegistryModel).where(RegistryModel.id == duplicate_id))
        rows = rows_for(placement)
        await session.execute(insert(RegistryModel).values(**rows.model))
        await _insert_many(session, RegistryComponent, rows.components)
        await _insert_many(session, RegistryComponentBody, rows.bodies)
        await _insert_many(session, RegistryRelationship, rows.relationships)
        await _insert_many(session, RegistryEntity, rows.entities)
        await _upsert_package(session, {**package, "model_id": placement.model_id})
        await _bump(session)
    return placement


async def _upsert_package(session: AsyncSession, package: dict[str, Any]) -> None:
    values = {**package, "updated_at": datetime.now(UTC)}
    found = await session.scalar(select(RegistryPackage.id).where(RegistryPackage.id == package["id"]))
    if found is None:
        await session.execute(insert(RegistryPackage).values(**values))
    else:
        await session.execute(update(RegistryPackage).where(RegistryPackage.id == package["id"]).values(**values))


async def record_package(store: Store, package: dict[str, Any], *, drop_entities: bool) -> None:
    """Remember a package's outcome without entities (failed, ignored, empty, vanished)."""
    async with store.write() as session:
        if drop_entities:
            await session.execute(delete(RegistryModel).where(RegistryModel.package_id == package["id"]))
            await _bump(session)
        await _upsert_package(session, package)


async def touch_packages(store: Store, fingerprints: dict[str, str]) -> None:
    """New fingerprints of packages whose content turned out unchanged."""
    if not fingerprints:
        return
    async with store.write() as session:
        for key, fingerprint in fingerprints.items():
            await session.execute(
                update(RegistryPackage).where(RegistryPackage.id == key).values(fingerprint=fingerprint)
            )


# Packages the server builds itself (the static Kubernetes model, the core model) have locations
# with this prefix; a model of the same name from the model sources or an upload always wins.
BUILT_IN_PREFIX = "static:"


async def refresh_latest(store: Store, names: Iterable[str] | None = None) -> None:
    """Mark the newest non-duplicate version of each model name (all names when None) as latest.

    A built-in model ranks below every other model of its name, whatever their versions: the
    built-in Kubernetes model never hides a ``kubernetes`` model the operator provides.
    """
    wanted = None if names is None else sorted(set(names))
    if wanted == []:
        return
    async with store.write() as session:
        query = select(
            RegistryModel.id,
            RegistryModel.name,
            RegistryModel.model_version,
            RegistryModel.status,
            RegistryPackage.location,
        ).outerjoin(RegistryPackage, RegistryPackage.id == RegistryModel.package_id)
        if wanted is not None:
            query = query.where(RegistryModel.name.in_(wanted))
        best: dict[str, tuple[tuple[Any, ...], str]] = {}
        ids: list[str] = []
        for model_id, name, model_version, status, location in await session.execute(query):
            ids.append(model_id)
            built_in = (location or "").startswith(BUILT_IN_PREFIX)
            rank = (status != "duplicate", not built_in, version_key(model_version))
            if name not in best or rank > best[name][0]:
                best[name] = (rank, model_id)
        latest = {model_id for _, model_id in best.values()}
        for table, column in (
            (RegistryModel, RegistryModel.id),
            (RegistryComponent, RegistryComponent.model_id),
            (RegistryRelationship, RegistryRelationship.model_id),
        ):
            for start in range(0, len(ids), CHUNK):
                chunk = ids[start : start + CHUNK]
                await session.execute(update(table).where(column.in_(chunk)).values(latest=column.in_(latest)))
        await _bump(session)


async def count_all(store: Store) -> dict[str, int]:
    async with store.read() as session:
        row = (
            await session.execute(
                select(
                    select(func.count()).select_from(RegistryModel).scalar_subquery(),
                    select(func.count()).select_from(RegistryComponent).scalar_subquery(),
                    select(func.count()).select_from(RegistryRelationship).scalar_subquery(),
                )
            )
        ).one()
    return {"models": int(row[0]), "components": int(row[1]), "relationships": int(row[2])}


def is_conflict(exc: BaseException) -> bool:
    return isinstance(exc, IntegrityError)


STATUS_TABLES: dict[str, Any] = {
    "models": RegistryModel,
    "model": RegistryModel,
    "components": RegistryComponent,
    "component": RegistryComponent,
    "relationships": RegistryRelationship,
    "relationship": RegistryRelationship,
}


async def set_status(store: Store, *, entity_type: str, entity_id: str, status: str) -> bool:
    """Set the status of one model, component or relationship; False when it does not exist."""
    table = STATUS_TABLES[entity_type]
    async with store.write() as session:
        result = await session.execute(update(table).where(table.id == entity_id).values(status=status))
        await _bump(session)
    return bool(getattr(result, "rowcount", 0))


async def delete_model(store: Store, model_id: str) -> bool:
    async with store.write() as session:
        result = await session.execute(delete(RegistryModel).where(RegistryModel.id == model_id))
        await _bump(session)
    return bool(getattr(result, "rowcount", 0))


async def upsert_entity(store: Store, row: dict[str, Any]) -> None:
    async with store.write() as session:
        found = await session.scalar(select(RegistryEntity.id).where(RegistryEntity.id == row["id"]))
        values = {**row, "updated_at": datetime.now(UTC)}
        if found is None:
            await session.execute(insert(RegistryEntity).values(**values))
        else:
            await session.execute(update(RegistryEntity).where(RegistryEntity.id == row["id"]).values(**values))


async def delete_entity(store: Store, *, entity_type: str, entity_id: str) -> bool:
    async with store.write() as session:
        result = await session.execute(
            delete(RegistryEntity).where(RegistryEntity.id == entity_id, RegistryEntity.entity_type == entity_type)
        )
    return bool(getattr(result, "rowcount", 0))


async def add_entities(store: Store, *, model_id: str, rows: Any) -> bool:
    """Add (or replace, by id) components and relationships of an existing model; False if it is gone."""
    async with store.write() as session:
        latest = await session.scalar(select(RegistryModel.latest).where(RegistryModel.id == model_id))
        if latest is None:
            return False
        for table, items in ((RegistryComponent, rows.components), (RegistryRelationship, rows.relationships)):
            ids = [item["id"] for item in items]
            if ids:
                await session.execute(delete(table).where(table.id.in_(ids)))
        await _insert_many(session, RegistryComponent, [{**c, "latest": latest} for c in rows.components])
        await _insert_many(session, RegistryComponentBody, rows.bodies)
        await _insert_many(session, RegistryRelationship, [{**r, "latest": latest} for r in rows.relationships])
        components = select(func.count()).select_from(RegistryComponent).where(RegistryComponent.model_id == model_id)
        relationships = (
            select(func.count()).select_from(RegistryRelationship).where(RegistryRelationship.model_id == model_id)
        )
        await session.execute(
            update(RegistryModel)
            .where(RegistryModel.id == model_id)
            .values(
                components_count=components.scalar_subquery(),
                relationships_count=relationships.scalar_subquery(),
                updated_at=datetime.now(UTC),
            )
        )
        await _bump(session)
    return True
