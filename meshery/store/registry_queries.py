"""Registry reads: filtered, searched, sorted pages with their total, in a constant number of statements.

Each list runs one COUNT and one page query (the page query also carries each
row's duplicate count as a correlated subquery), plus, for components and
relationships, one query for the distinct models the page embeds. Search is
a substring match on a lower-cased column of the narrow component table, so
it never touches the JSON bodies.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, literal, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlalchemy.sql.elements import ColumnElement

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
from meshery.store.search import condition as search_condition


@asynccontextmanager
async def reading(store: Store) -> AsyncIterator[AsyncSession]:
    """One read session for several queries of one request (a session costs a connection checkout and a rollback)."""
    async with store.read() as session:
        yield session


@asynccontextmanager
async def _session(store: Store, session: AsyncSession | None) -> AsyncIterator[AsyncSession]:
    if session is not None:
        yield session
    else:
        async with store.read() as own:
            yield own


@dataclass(frozen=True, slots=True)
class Page:
    """Where a page starts and how long it is (``limit`` None: everything)."""

    offset: int
    limit: int | None


@dataclass(frozen=True, slots=True)
class ModelFilter:
    search: str | None = None
    name: str | None = None
    model_id: str | None = None
    version: str | None = None
    category: str | None = None
    registrant: str | None = None
    status: str | None = None
    latest_only: bool = True


@dataclass(frozen=True, slots=True)
class ComponentFilter:
    search: str | None = None
    name: str | None = None
    model: str | None = None
    category: str | None = None
    api_version: str | None = None
    version: str | None = None
    annotations: bool | None = None
    status: str | None = None
    latest_only: bool = True


@dataclass(frozen=True, slots=True)
class RelationshipFilter:
    search: str | None = None
    model: str | None = None
    kind: str | None = None
    type: str | None = None
    sub_type: str | None = None
    version: str | None = None
    latest_only: bool = True


def _paged(query: Any, page: Page) -> Any:
    query = query.offset(page.offset)
    return query.limit(page.limit) if page.limit is not None else query


# Rows are read by these labels (``row.category_id``), never by position, so a new column cannot
# shift the fields of an answer.
REGISTRANT_COLUMNS = (
    RegistryRegistrant.id.label("registrant_id"),
    RegistryRegistrant.name.label("registrant_name"),
    RegistryRegistrant.type.label("registrant_type"),
    RegistryRegistrant.sub_type.label("registrant_sub_type"),
    RegistryRegistrant.kind.label("registrant_kind"),
    RegistryRegistrant.status.label("registrant_status"),
    RegistryRegistrant.created_at.label("registrant_created_at"),
    RegistryRegistrant.updated_at.label("registrant_updated_at"),
)
MODEL_COLUMNS = (
    RegistryModel.id.label("id"),
    RegistryModel.body.label("body"),
    RegistryModel.name.label("name"),
    RegistryModel.version.label("version"),
    RegistryModel.model_version.label("model_version"),
    RegistryModel.display_name.label("display_name"),
    RegistryModel.status.label("status"),
    RegistryModel.sub_category.label("sub_category"),
    RegistryModel.components_count.label("components_count"),
    RegistryModel.relationships_count.label("relationships_count"),
    RegistryModel.created_at.label("created_at"),
    RegistryModel.updated_at.label("updated_at"),
    *REGISTRANT_COLUMNS,
    RegistryCategory.id.label("category_id"),
    RegistryCategory.name.label("category_name"),
    RegistryCategory.meta.label("category_meta"),
)


def _model_source(query: Any) -> Any:
    return query.join(RegistryRegistrant, RegistryRegistrant.id == RegistryModel.registrant_id).join(
        RegistryCategory, RegistryCategory.id == RegistryModel.category_id
    )


def _model_where(f: ModelFilter) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = []
    if f.latest_only and not f.version and not f.model_id:
        where.append(RegistryModel.latest.is_(True))
    if f.search:
        where.append(search_condition(f.search, RegistryModel.name, RegistryModel.display_name))
    if f.name:
        where.append(RegistryModel.name == f.name)
    if f.model_id:
        where.append(RegistryModel.id == f.model_id)
    if f.version:
        where.append(or_(RegistryModel.model_version == f.version, RegistryModel.version == f.version))
    if f.category:
        where.append(RegistryCategory.name == f.category)
    if f.registrant:
        where.append(RegistryRegistrant.kind == f.registrant)
    if f.status:
        where.append(RegistryModel.status == f.status)
    return where


MODEL_ORDER = {
    "name": RegistryModel.name,
    "display_name": RegistryModel.display_name,
    "displayName": RegistryModel.display_name,
    "version": RegistryModel.model_version,
    "created_at": RegistryModel.created_at,
    "updated_at": RegistryModel.updated_at,
    "status": RegistryModel.status,
}


# The second copy of a table that duplicate counts join against. Made once: an alias built per
# query is a graph of columns with reference cycles, left to the cyclic garbage collector
# (about 370 objects per registry list request).
OTHER_MODEL = aliased(RegistryModel)
OTHER_COMPONENT = aliased(RegistryComponent)


async def list_models(
    store: Store, f: ModelFilter, page: Page, *, order: str, desc: bool, session: AsyncSession | None = None
) -> tuple[int, list[Any]]:
    where = _model_where(f)
    other = OTHER_MODEL
    duplicates = (
        select(func.count())
        .select_from(other)
        .where(
            other.name == RegistryModel.name,
            other.model_version == RegistryModel.model_version,
            other.id != RegistryModel.id,
        )
        .scalar_subquery()
    )
    column = MODEL_ORDER.get(order, RegistryModel.display_name)
    query = (
        _model_source(select(*MODEL_COLUMNS, duplicates.label("duplicates")))
        .where(*where)
        .order_by(column.desc() if desc else column.asc(), RegistryModel.id)
    )
    async with _session(store, session) as db:
        total = await db.scalar(_model_source(select(func.count()).select_from(RegistryModel)).where(*where))
        rows = (await db.execute(_paged(query, page))).all()
    return int(total or 0), list(rows)


async def models_by_id(store: Store, ids: Sequence[str], *, session: AsyncSession | None = None) -> list[Any]:
    if not ids:
        return []
    async with _session(store, session) as db:
        return list(
            (
                await db.execute(
                    _model_source(select(*MODEL_COLUMNS, literal(0).label("duplicates"))).where(
                        RegistryModel.id.in_(ids)
                    )
                )
            ).all()
        )


COMPONENT_ORDER = {
    "display_name": RegistryComponent.display_name,
    "displayName": RegistryComponent.display_name,
    "name": RegistryComponent.display_name,
    "kind": RegistryComponent.kind,
    "version": RegistryComponent.api_version,
    "apiVersion": RegistryComponent.api_version,
}


def _component_where(f: ComponentFilter) -> list[ColumnElement[bool]]:
    """Conditions on the narrow component table; model conditions become a subquery of model ids.

    A model name, version or category selects a handful of models first (by
    index), so the components are then read through ``(model_id, display_name)``
    instead of scanning every component and joining its model.
    """
    where: list[ColumnElement[bool]] = []
    models: list[ColumnElement[bool]] = []
    if f.model:
        models.append(RegistryModel.name == f.model)
    if f.version:
        models.append(or_(RegistryModel.model_version == f.version, RegistryModel.version == f.version))
    elif models and f.latest_only:
        models.append(RegistryModel.latest.is_(True))
    if f.category:
        models.append(
            RegistryModel.category_id.in_(select(RegistryCategory.id).where(RegistryCategory.name == f.category))
        )
        if f.latest_only and not f.version and not f.model:
            models.append(RegistryModel.latest.is_(True))
    if models:
        where.append(RegistryComponent.model_id.in_(select(RegistryModel.id).where(*models)))
    elif f.latest_only:
        where.append(RegistryComponent.latest.is_(True))
    if f.search:
        where.append(search_condition(f.search, RegistryComponent.search, folded=True))
    if f.name:
        where.append(or_(RegistryComponent.kind == f.name, RegistryComponent.display_name == f.name))
    if f.api_version:
        where.append(RegistryComponent.api_version == f.api_version)
    if f.annotations is not None:
        where.append(RegistryComponent.annotation.is_(f.annotations))
    if f.status:
        where.append(RegistryComponent.status == f.status)
    return where


async def list_components(
    store: Store,
    f: ComponentFilter,
    page: Page,
    *,
    order: str,
    desc: bool,
    total: int | None = None,
    session: AsyncSession | None = None,
) -> tuple[int, list[Any]]:
    """One page of components and the total (counted unless ``total`` is given)."""
    where = _component_where(f)
    other = OTHER_COMPONENT
    duplicates = (
        select(func.count())
        .select_from(other)
        .where(
            other.kind == RegistryComponent.kind,
            other.api_version == RegistryComponent.api_version,
            other.latest.is_(True),
            other.model_id != RegistryComponent.model_id,
        )
        .scalar_subquery()
    )
    column = COMPONENT_ORDER.get(order, RegistryComponent.display_name)
    ordering = (column.desc() if desc else column.asc(), RegistryComponent.id)
    count = select(func.count()).select_from(RegistryComponent).where(*where)
    # The page's ids first, on the narrow table and its indexes; bodies and the
    # duplicate counts are then read for those rows only.
    window = _paged(select(RegistryComponent.id).where(*where).order_by(*ordering), page).subquery()
    query = (
        select(
            RegistryComponent.id,
            RegistryComponent.status,
            RegistryComponent.kind,
            RegistryComponent.api_version,
            RegistryComponent.model_id,
            RegistryComponentBody.data,
            duplicates.label("duplicates"),
        )
        .join(window, window.c.id == RegistryComponent.id)
        .join(RegistryComponentBody, RegistryComponentBody.id == RegistryComponent.id)
        .order_by(*ordering)
    )
    async with _session(store, session) as db:
        if total is None:
            total = await db.scalar(count)
        rows = (await db.execute(query)).all()
    return int(total or 0), list(rows)


def _relationship_where(f: RelationshipFilter) -> tuple[list[ColumnElement[bool]], bool]:
    where: list[ColumnElement[bool]] = []
    if f.latest_only and not f.version:
        where.append(RegistryRelationship.latest.is_(True))
    if f.search:
        where.append(
            search_condition(
                f.search, RegistryRelationship.kind, RegistryRelationship.type, RegistryRelationship.sub_type
            )
        )
    if f.kind:
        where.append(func.lower(RegistryRelationship.kind) == f.kind.lower())
    if f.type:
        where.append(func.lower(RegistryRelationship.type) == f.type.lower())
    if f.sub_type:
        where.append(func.lower(RegistryRelationship.sub_type) == f.sub_type.lower())
    join = bool(f.model or f.version)
    if f.model:
        where.append(RegistryModel.name == f.model)
    if f.version:
        where.append(or_(RegistryModel.model_version == f.version, RegistryModel.version == f.version))
    return where, join


RELATIONSHIP_ORDER = {
    "kind": RegistryRelationship.kind,
    "type": RegistryRelationship.type,
    "subType": RegistryRelationship.sub_type,
    "sub_type": RegistryRelationship.sub_type,
}


async def list_relationships(
    store: Store, f: RelationshipFilter, page: Page, *, order: str, desc: bool
) -> tuple[int, list[Any]]:
    where, join = _relationship_where(f)
    count = select(func.count()).select_from(RegistryRelationship)
    query = select(RegistryRelationship.id, RegistryRelationship.status, RegistryRelationship.body)
    if join:
        count = count.join(RegistryModel, RegistryModel.id == RegistryRelationship.model_id)
        query = query.join(RegistryModel, RegistryModel.id == RegistryRelationship.model_id)
    column = RELATIONSHIP_ORDER.get(order, RegistryRelationship.kind)
    query = query.where(*where).order_by(column.desc() if desc else column.asc(), RegistryRelationship.id)
    async with store.read() as session:
        total = await session.scalar(count.where(*where))
        rows = (await session.execute(_paged(query, page))).all()
    return int(total or 0), list(rows)


async def list_categories(
    store: Store, *, search: str | None, name: str | None, page: Page, desc: bool
) -> tuple[int, list[Any]]:
    where: list[ColumnElement[bool]] = []
    if search:
        where.append(search_condition(search, RegistryCategory.name))
    if name:
        where.append(RegistryCategory.name == name)
    order = RegistryCategory.name.desc() if desc else RegistryCategory.name.asc()
    async with store.read() as session:
        total = await session.scalar(select(func.count()).select_from(RegistryCategory).where(*where))
        rows = (
            await session.execute(
                _paged(
                    select(RegistryCategory.id, RegistryCategory.name, RegistryCategory.meta)
                    .where(*where)
                    .order_by(order),
                    page,
                )
            )
        ).all()
    return int(total or 0), list(rows)


async def list_registrants(store: Store, *, search: str | None, page: Page, desc: bool) -> tuple[int, list[Any]]:
    where: list[ColumnElement[bool]] = []
    if search:
        where.append(search_condition(search, RegistryRegistrant.kind, RegistryRegistrant.name))
    models = (
        select(func.count())
        .select_from(RegistryModel)
        .where(RegistryModel.registrant_id == RegistryRegistrant.id, RegistryModel.latest.is_(True))
        .scalar_subquery()
    )
    components = (
        select(func.coalesce(func.sum(RegistryModel.components_count), 0))
        .where(RegistryModel.registrant_id == RegistryRegistrant.id, RegistryModel.latest.is_(True))
        .scalar_subquery()
    )
    relationships = (
        select(func.coalesce(func.sum(RegistryModel.relationships_count), 0))
        .where(RegistryModel.registrant_id == RegistryRegistrant.id, RegistryModel.latest.is_(True))
        .scalar_subquery()
    )
    order = RegistryRegistrant.kind.desc() if desc else RegistryRegistrant.kind.asc()
    query = (
        select(
            *REGISTRANT_COLUMNS,
            models.label("models"),
            components.label("components"),
            relationships.label("relationships"),
        )
        .where(*where)
        .order_by(order)
    )
    async with store.read() as session:
        total = await session.scalar(select(func.count()).select_from(RegistryRegistrant).where(*where))
        rows = (await session.execute(_paged(query, page))).all()
    return int(total or 0), list(rows)


async def list_entities(
    store: Store,
    *,
    entity_type: str,
    model: str | None,
    name: str | None,
    entity_id: str | None,
    search: str | None,
    page: Page,
) -> tuple[int, list[Any]]:
    where: list[ColumnElement[bool]] = [RegistryEntity.entity_type == entity_type]
    join = bool(model)
    if model:
        where.append(RegistryModel.name == model)
    if name:
        where.append(RegistryEntity.name == name)
    if entity_id:
        where.append(RegistryEntity.id == entity_id)
    if search:
        where.append(search_condition(search, RegistryEntity.name, RegistryEntity.kind))
    count = select(func.count()).select_from(RegistryEntity)
    query = select(RegistryEntity.id, RegistryEntity.body)
    if join:
        count = count.join(RegistryModel, RegistryModel.id == RegistryEntity.model_id)
        query = query.join(RegistryModel, RegistryModel.id == RegistryEntity.model_id)
    async with store.read() as session:
        total = await session.scalar(count.where(*where))
        rows = (
            await session.execute(_paged(query.where(*where).order_by(RegistryEntity.name, RegistryEntity.id), page))
        ).all()
    return int(total or 0), list(rows)


async def model_export(store: Store, model_id: str) -> tuple[list[Any], list[Any], list[Any]]:
    """Every component (id, status, kind, version, body, schema) and relationship of one model, and its entities."""
    async with store.read() as session:
        components = (
            await session.execute(
                select(
                    RegistryComponent.id,
                    RegistryComponent.status,
                    RegistryComponent.kind,
                    RegistryComponent.api_version,
                    RegistryComponentBody.data,
                )
                .join(RegistryComponentBody, RegistryComponentBody.id == RegistryComponent.id)
                .where(RegistryComponent.model_id == model_id)
                .order_by(RegistryComponent.kind)
            )
        ).all()
        relationships = (
            await session.execute(
                select(RegistryRelationship.id, RegistryRelationship.status, RegistryRelationship.body)
                .where(RegistryRelationship.model_id == model_id)
                .order_by(RegistryRelationship.id)
            )
        ).all()
        entities = (
            await session.execute(
                select(RegistryEntity.entity_type, RegistryEntity.body).where(RegistryEntity.model_id == model_id)
            )
        ).all()
    return list(components), list(relationships), list(entities)


async def component_data(store: Store, *, kind: str, api_version: str | None, model: str | None) -> bytes | None:
    """The stored (packed) JSON of the latest component of ``kind``."""
    query = (
        select(RegistryComponentBody.data)
        .join(RegistryComponent, RegistryComponent.id == RegistryComponentBody.id)
        .join(RegistryModel, RegistryModel.id == RegistryComponent.model_id)
        .where(RegistryComponent.kind == kind)
        .order_by(RegistryComponent.latest.desc(), RegistryModel.name)
        .limit(1)
    )
    if api_version:
        query = query.where(RegistryComponent.api_version == api_version)
    if model:
        query = query.where(RegistryModel.name == model)
    async with store.read() as session:
        value = await session.scalar(query)
    return None if value is None else bytes(value)


async def summary(store: Store) -> dict[str, Any]:
    """Counts for GraphQL: components per model name and relationships per kind (latest versions)."""
    async with store.read() as session:
        components = (
            await session.execute(
                select(RegistryModel.name, func.sum(RegistryModel.components_count))
                .where(RegistryModel.latest.is_(True))
                .group_by(RegistryModel.name)
                .order_by(RegistryModel.name)
            )
        ).all()
        relationships = (
            await session.execute(
                select(RegistryRelationship.kind, func.count())
                .where(RegistryRelationship.latest.is_(True))
                .group_by(RegistryRelationship.kind)
                .order_by(RegistryRelationship.kind)
            )
        ).all()
    return {
        "components": [{"name": n, "count": int(c or 0)} for n, c in components],
        "relationships": [{"name": n, "count": int(c)} for n, c in relationships],
    }


async def packages(store: Store) -> list[Any]:
    async with store.read() as session:
        return list(
            (
                await session.execute(
                    select(
                        RegistryPackage.location,
                        RegistryPackage.status,
                        RegistryPackage.components,
                        RegistryPackage.relationships,
                        RegistryPackage.errors,
                    ).order_by(RegistryPackage.location)
                )
            ).all()
        )


async def model_id_of_package(store: Store, package_id: str) -> str | None:
    async with store.read() as session:
        value = await session.scalar(select(RegistryModel.id).where(RegistryModel.package_id == package_id).limit(1))
    return None if value is None else str(value)


async def generation(store: Store, *, session: AsyncSession | None = None) -> str | None:
    """The registry's current generation (changes with every registry write)."""
    from meshery.store.registry import GENERATION_KEY
    from meshery.store.tables import SystemSetting

    async with _session(store, session) as db:
        value = await db.scalar(select(SystemSetting.value).where(SystemSetting.key == GENERATION_KEY))
    return None if value is None else str(value)


async def search_keys(store: Store, *, session: AsyncSession | None = None) -> list[Any]:
    """(id, search key) of every latest component, in the default list order."""
    async with _session(store, session) as db:
        result = await db.execute(
            select(RegistryComponent.id, RegistryComponent.search)
            .where(RegistryComponent.latest.is_(True))
            .order_by(RegistryComponent.display_name, RegistryComponent.id)
        )
        return list(result.all())


async def components_by_ids(store: Store, ids: Sequence[str], *, session: AsyncSession | None = None) -> list[Any]:
    """Component rows (the page columns of ``list_components``) for ``ids``, in that order."""
    if not ids:
        return []
    other = OTHER_COMPONENT
    duplicates = (
        select(func.count())
        .select_from(other)
        .where(
            other.kind == RegistryComponent.kind,
            other.api_version == RegistryComponent.api_version,
            other.latest.is_(True),
            other.model_id != RegistryComponent.model_id,
        )
        .scalar_subquery()
    )
    query = (
        select(
            RegistryComponent.id,
            RegistryComponent.status,
            RegistryComponent.kind,
            RegistryComponent.api_version,
            RegistryComponent.model_id,
            RegistryComponentBody.data,
            duplicates.label("duplicates"),
        )
        .join(RegistryComponentBody, RegistryComponentBody.id == RegistryComponent.id)
        .where(RegistryComponent.id.in_(list(ids)))
    )
    async with _session(store, session) as db:
        rows = {row[0]: row for row in (await db.execute(query)).all()}
    return [rows[i] for i in ids if i in rows]


async def latest_components_of_kinds(
    store: Store,
    kinds: Sequence[str],
    api_versions: Sequence[str] | None = None,
    *,
    session: AsyncSession | None = None,
) -> list[Any]:
    """(id, kind, api_version, model_id, model name, status, packed data) of the latest components of these kinds.

    One statement for a whole design: the caller pairs kinds with apiVersions (both lists
    select, by the ``(kind, api_version, latest)`` index) and picks a model per pair; without
    ``api_versions``, every apiVersion of these kinds.
    """
    if not kinds:
        return []
    versions = [RegistryComponent.api_version.in_(sorted(set(api_versions)))] if api_versions is not None else []
    query = (
        select(
            RegistryComponent.id,
            RegistryComponent.kind,
            RegistryComponent.api_version,
            RegistryComponent.model_id,
            RegistryModel.name,
            RegistryComponent.status,
            RegistryComponentBody.data,
        )
        .join(RegistryComponentBody, RegistryComponentBody.id == RegistryComponent.id)
        .join(RegistryModel, RegistryModel.id == RegistryComponent.model_id)
        .where(
            RegistryComponent.kind.in_(sorted(set(kinds))),
            *versions,
            RegistryComponent.latest.is_(True),
        )
        .order_by(RegistryModel.name, RegistryComponent.id)
    )
    async with _session(store, session) as db:
        return list((await db.execute(query)).all())


async def relationship_definitions(store: Store, *, session: AsyncSession | None = None) -> list[Any]:
    """(id, status, model name, body) of every latest relationship definition (relationship evaluation's index)."""
    query = (
        select(RegistryRelationship.id, RegistryRelationship.status, RegistryModel.name, RegistryRelationship.body)
        .join(RegistryModel, RegistryModel.id == RegistryRelationship.model_id)
        .where(RegistryRelationship.latest.is_(True))
        .order_by(RegistryRelationship.id)
    )
    async with _session(store, session) as db:
        return list((await db.execute(query)).all())
