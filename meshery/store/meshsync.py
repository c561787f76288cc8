"""MeshSync tables (upstream names and columns) and their bulk repository.

Five tables join on ``id`` (``base64("<cluster_id>.<kind>.<apiVersion>.<namespace>.<name>")``):
``kubernetes_resources``, ``kubernetes_resource_object_meta``, ``kubernetes_key_values``
(labels and annotations), ``kubernetes_resource_specs`` and ``kubernetes_resource_statuses``.
Writes are set-based: one upsert statement per table per batch, one delete per table for
removals, on SQLite and PostgreSQL alike.

One deliberate difference: upstream's key/value primary key is ``(id, kind, key, value)``; here
it is ``(id, kind, key)``, because annotation values (e.g. kubectl's last-applied
configuration) exceed PostgreSQL's index row limit, and a key occurs once per object anyway.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import BigInteger, Integer, String, Table, Text, and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from meshery.store import search
from meshery.store.base import Base
from meshery.store.engine import Store

CHUNK = 500
# Beyond any real table; larger offsets (fuzzed page numbers) would overflow the databases' integers.
MAX_OFFSET = 2**62


class KubernetesResource(Base):
    __tablename__ = "kubernetes_resources"

    id: Mapped[str] = mapped_column(String(512), primary_key=True)
    api_version: Mapped[str] = mapped_column(String(255), nullable=False, index=True)
    kind: Mapped[str] = mapped_column(String(255), nullable=False, index=True)
    model: Mapped[str] = mapped_column(String(255), nullable=False, default="", index=True)
    cluster_id: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    pattern_resource: Mapped[str | None] = mapped_column(String(36), nullable=True)
    component_metadata: Mapped[str | None] = mapped_column(Text, nullable=True)
    immutable: Mapped[str | None] = mapped_column(Text, nullable=True)
    data: Mapped[str | None] = mapped_column(Text, nullable=True)
    binary_data: Mapped[str | None] = mapped_column(Text, nullable=True)
    string_data: Mapped[str | None] = mapped_column(Text, nullable=True)
    type: Mapped[str | None] = mapped_column(Text, nullable=True)


class KubernetesResourceObjectMeta(Base):
    __tablename__ = "kubernetes_resource_object_meta"

    id: Mapped[str] = mapped_column(String(512), primary_key=True)
    name: Mapped[str] = mapped_column(String(255), nullable=False, default="", index=True)
    generate_name: Mapped[str | None] = mapped_column(String(255), nullable=True)
    namespace: Mapped[str] = mapped_column(String(255), nullable=False, default="", index=True)
    self_link: Mapped[str | None] = mapped_column(Text, nullable=True)
    uid: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    resource_version: Mapped[str | None] = mapped_column(String(64), nullable=True)
    generation: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    creation_timestamp: Mapped[str | None] = mapped_column(String(64), nullable=True)
    deletion_timestamp: Mapped[str | None] = mapped_column(String(64), nullable=True)
    deletion_grace_period_seconds: Mapped[int | None] = mapped_column(Integer, nullable=True)
    cluster_name: Mapped[str | None] = mapped_column(String(255), nullable=True)
    cluster_id: Mapped[str | None] = mapped_column(String(64), nullable=True)


class KubernetesKeyValue(Base):
    __tablename__ = "kubernetes_key_values"

    id: Mapped[str] = mapped_column(String(512), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    key: Mapped[str] = mapped_column(String(512), primary_key=True)
    value: Mapped[str] = mapped_column(Text, nullable=False, default="")
    unique_id: Mapped[str] = mapped_column(String(36), nullable=False, index=True)


class KubernetesResourceSpec(Base):
    __tablename__ = "kubernetes_resource_specs"

    id: Mapped[str] = mapped_column(String(512), primary_key=True)
    attribute: Mapped[str] = mapped_column(Text, nullable=False, default="")


class KubernetesResourceStatus(Base):
    __tablename__ = "kubernetes_resource_statuses"

    id: Mapped[str] = mapped_column(String(512), primary_key=True)
    attribute: Mapped[str] = mapped_column(Text, nullable=False, default="")


TABLES = (
    KubernetesResource,
    KubernetesResourceObjectMeta,
    KubernetesKeyValue,
    KubernetesResourceSpec,
    KubernetesResourceStatus,
)


@dataclass
class Rows:
    """The rows of one batch, per table (dicts keyed by column attribute names)."""

    resources: list[dict[str, Any]] = field(default_factory=list)
    metas: list[dict[str, Any]] = field(default_factory=list)
    specs: list[dict[str, Any]] = field(default_factory=list)
    statuses: list[dict[str, Any]] = field(default_factory=list)
    key_values: list[dict[str, Any]] = field(default_factory=list)


def _chunks(items: Sequence[Any], size: int = CHUNK) -> list[Sequence[Any]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


_PG_ARRAY = {"BIGINT": "bigint[]", "INTEGER": "integer[]"}


@functools.cache
def _insert_sql(dialect: str, table_name: str, upsert: bool) -> tuple[str, tuple[str, ...]]:
    """Driver-level INSERT (... ON CONFLICT DO UPDATE) text and its column order.

    SQLite gets one row per executemany item; PostgreSQL one statement per batch whose rows
    come from ``unnest`` of one array per column (a single round trip). Either way SQLAlchemy's
    per-row parameter processing, which would cost about as much as the database's own work,
    is skipped.
    """
    table: Table = Base.metadata.tables[table_name]
    columns = tuple(c.name for c in table.columns)
    keys = [c.name for c in table.primary_key]
    names = ", ".join(f'"{c}"' for c in columns)
    if dialect == "postgresql":
        arrays = ", ".join(f"%s::{_PG_ARRAY.get(str(c.type), 'text[]')}" for c in table.columns)
        sql = f'INSERT INTO "{table_name}" ({names}) SELECT * FROM unnest({arrays})'
    else:
        sql = f'INSERT INTO "{table_name}" ({names}) VALUES ({", ".join("?" for _ in columns)})'
    if upsert:
        updates = ", ".join(f'"{c}" = excluded."{c}"' for c in columns if c not in keys)
        sql += f" ON CONFLICT ({', '.join(keys)}) DO UPDATE SET {updates}"
    return sql, columns


async def _insert(
    session: AsyncSession, dialect: str, model: type[Base], rows: list[dict[str, Any]], *, upsert: bool = True
) -> None:
    if not rows:
        return
    sql, columns = _insert_sql(dialect, model.__tablename__, upsert)
    conn = await session.connection()
    for chunk in _chunks(rows, 5000):
        if dialect == "postgresql":
            await conn.exec_driver_sql(sql, tuple([row.get(c) for row in chunk] for c in columns))
        else:
            await conn.exec_driver_sql(sql, [tuple(row.get(c) for c in columns) for row in chunk])


async def _delete_ids(session: AsyncSession, ids: Sequence[str], models: Sequence[type[Base]]) -> None:
    conn = await session.connection()
    postgres = conn.dialect.name == "postgresql"
    for chunk in _chunks(ids):
        for model in models:
            if postgres:
                await conn.exec_driver_sql(f'DELETE FROM "{model.__tablename__}" WHERE id = ANY(%s)', (list(chunk),))
            else:
                marks = ", ".join("?" for _ in chunk)
                await conn.exec_driver_sql(f'DELETE FROM "{model.__tablename__}" WHERE id IN ({marks})', tuple(chunk))


async def write_batch(store: Store, upserts: Rows, deleted_ids: Sequence[str]) -> None:
    """Apply one batch in one transaction: upsert the given rows, delete the given ids."""
    ids = [r["id"] for r in upserts.resources]
    async with store.write() as session:
        if store.dialect == "postgresql":
            # The tables grow from empty during a discovery, faster than autovacuum refreshes
            # their statistics; the planner would then scan whole tables for every delete by id.
            conn = await session.connection()
            await conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
            # Discovered objects can always be listed again from the cluster (a relist restores
            # them), so a batch need not wait for its WAL flush; a crash loses at most the
            # last fraction of a second of them and never corrupts anything.
            await conn.exec_driver_sql("SET LOCAL synchronous_commit = off")
        if deleted_ids:
            await _delete_ids(session, deleted_ids, TABLES)
        if ids:
            # Labels and annotations are replaced as a whole; specs and statuses that vanished go too.
            await _delete_ids(session, ids, (KubernetesKeyValue,))
            with_spec = {r["id"] for r in upserts.specs}
            with_status = {r["id"] for r in upserts.statuses}
            gone_spec = [i for i in ids if i not in with_spec]
            gone_status = [i for i in ids if i not in with_status]
            if gone_spec:
                await _delete_ids(session, gone_spec, (KubernetesResourceSpec,))
            if gone_status:
                await _delete_ids(session, gone_status, (KubernetesResourceStatus,))
        await _insert(session, store.dialect, KubernetesResource, upserts.resources)
        await _insert(session, store.dialect, KubernetesResourceObjectMeta, upserts.metas)
        await _insert(session, store.dialect, KubernetesResourceSpec, upserts.specs)
        await _insert(session, store.dialect, KubernetesResourceStatus, upserts.statuses)
        # Their old rows were deleted above, so plain inserts suffice.
        await _insert(session, store.dialect, KubernetesKeyValue, upserts.key_values, upsert=False)


async def ids_of(store: Store, cluster_id: str, api_version: str, kind: str) -> set[str]:
    """Ids stored for one kind of one cluster (to drop what a relist no longer returns)."""
    async with store.read() as session:
        rows = await session.execute(
            select(KubernetesResource.id).where(
                KubernetesResource.cluster_id == cluster_id,
                KubernetesResource.api_version == api_version,
                KubernetesResource.kind == kind,
            )
        )
        return {str(r[0]) for r in rows}


async def delete_cluster(store: Store, cluster_id: str) -> int:
    """Forget every object of one cluster."""
    async with store.read() as session:
        ids = [
            str(r[0])
            for r in await session.execute(
                select(KubernetesResource.id).where(KubernetesResource.cluster_id == cluster_id)
            )
        ]
    if ids:
        async with store.write() as session:
            await _delete_ids(session, ids, TABLES)
    return len(ids)


async def delete_ids(store: Store, ids: Sequence[str]) -> None:
    async with store.write() as session:
        await _delete_ids(session, ids, TABLES)


# --- reading -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ResourceQuery:
    kinds: Sequence[str] = ()
    api_versions: Sequence[str] = ()
    namespaces: Sequence[str] = ()
    cluster_ids: Sequence[str] = ()
    labels: Sequence[tuple[str, str | None]] = ()
    search: str | None = None
    spec_contains: Sequence[str] = ()
    """Only objects whose spec text contains one of these strings (a cheap pre-filter)."""


_ORDER = {
    "name": KubernetesResourceObjectMeta.name,
    "namespace": KubernetesResourceObjectMeta.namespace,
    "kind": KubernetesResource.kind,
    "apiVersion": KubernetesResource.api_version,
    "api_version": KubernetesResource.api_version,
    "created_at": KubernetesResourceObjectMeta.creation_timestamp,
    "creationTimestamp": KubernetesResourceObjectMeta.creation_timestamp,
}


def _conditions(q: ResourceQuery) -> list[Any]:
    conds: list[Any] = []
    if q.kinds:
        conds.append(KubernetesResource.kind.in_(list(q.kinds)))
    if q.api_versions:
        conds.append(KubernetesResource.api_version.in_(list(q.api_versions)))
    if q.namespaces:
        conds.append(KubernetesResourceObjectMeta.namespace.in_(list(q.namespaces)))
    if q.cluster_ids:
        conds.append(KubernetesResource.cluster_id.in_(list(q.cluster_ids)))
    for key, value in q.labels:
        kv = select(KubernetesKeyValue.id).where(KubernetesKeyValue.kind == "label", KubernetesKeyValue.key == key)
        if value is not None:
            kv = kv.where(KubernetesKeyValue.value == value)
        conds.append(KubernetesResource.id.in_(kv))
    if q.search:
        conds.append(search.condition(q.search, KubernetesResourceObjectMeta.name, KubernetesResource.kind))
    if q.spec_contains:
        texts = [KubernetesResourceSpec.attribute.contains(t, autoescape=True) for t in q.spec_contains]
        conds.append(KubernetesResource.id.in_(select(KubernetesResourceSpec.id).where(or_(*texts))))
    return conds


@dataclass
class StoredResource:
    resource: dict[str, Any]
    meta: dict[str, Any]
    spec: str | None = None
    status: str | None = None
    labels: list[dict[str, Any]] = field(default_factory=list)
    annotations: list[dict[str, Any]] = field(default_factory=list)


def _row_dict(row: Any, model: type[Base]) -> dict[str, Any]:
    return {c.key: getattr(row, c.key) for c in model.__mapper__.column_attrs}


async def _hydrate(
    session: AsyncSession, pairs: Sequence[tuple[Any, Any]], *, with_spec: bool, with_status: bool
) -> list[StoredResource]:
    out = {
        r.id: StoredResource(_row_dict(r, KubernetesResource), _row_dict(m, KubernetesResourceObjectMeta))
        for r, m in pairs
    }
    ids = list(out)
    for chunk in _chunks(ids):
        for kv in (
            await session.execute(select(KubernetesKeyValue).where(KubernetesKeyValue.id.in_(list(chunk))))
        ).scalars():
            item = {"id": kv.id, "unique_id": kv.unique_id, "kind": kv.kind, "key": kv.key, "value": kv.value}
            (out[kv.id].labels if kv.kind == "label" else out[kv.id].annotations).append(item)
        if with_spec:
            for spec in (
                await session.execute(select(KubernetesResourceSpec).where(KubernetesResourceSpec.id.in_(list(chunk))))
            ).scalars():
                out[spec.id].spec = spec.attribute
        if with_status:
            for st in (
                await session.execute(
                    select(KubernetesResourceStatus).where(KubernetesResourceStatus.id.in_(list(chunk)))
                )
            ).scalars():
                out[st.id].status = st.attribute
    return [out[i] for i in ids]


async def list_resources(
    store: Store, q: ResourceQuery, *, page: int, page_size: int, order: str | None, with_spec: bool, with_status: bool
) -> tuple[list[StoredResource], int]:
    conds = _conditions(q)
    field_name, _, direction = (order or "name asc").partition(" ")
    column = _ORDER.get(field_name, KubernetesResourceObjectMeta.name)
    sort = column.desc() if direction == "desc" else column.asc()
    joined = select(KubernetesResource, KubernetesResourceObjectMeta).join(
        KubernetesResourceObjectMeta, KubernetesResourceObjectMeta.id == KubernetesResource.id
    )
    async with store.read() as session:
        total = (
            await session.execute(
                select(func.count())
                .select_from(KubernetesResource)
                .join(KubernetesResourceObjectMeta, KubernetesResourceObjectMeta.id == KubernetesResource.id)
                .where(and_(True, *conds))
            )
        ).scalar_one()
        pairs = (
            await session.execute(
                joined.where(and_(True, *conds))
                .order_by(sort, KubernetesResource.id)
                .offset(min(page * page_size, MAX_OFFSET))
                .limit(page_size)
            )
        ).all()
        items = await _hydrate(session, [(p[0], p[1]) for p in pairs], with_spec=with_spec, with_status=with_status)
    return items, int(total)


async def get_resource(store: Store, resource_id: str) -> StoredResource | None:
    async with store.read() as session:
        pair = (
            await session.execute(
                select(KubernetesResource, KubernetesResourceObjectMeta)
                .join(KubernetesResourceObjectMeta, KubernetesResourceObjectMeta.id == KubernetesResource.id)
                .where(KubernetesResource.id == resource_id)
            )
        ).first()
        if pair is None:
            return None
        return (await _hydrate(session, [(pair[0], pair[1])], with_spec=True, with_status=True))[0]


async def get_resources(store: Store, resource_ids: Sequence[str]) -> dict[str, StoredResource]:
    """The stored resources of ``resource_ids`` that exist, by id, in a few statements."""
    pairs: list[tuple[Any, Any]] = []
    async with store.read() as session:
        for chunk in _chunks(list(dict.fromkeys(resource_ids))):
            pairs.extend(
                (r, m)
                for r, m in await session.execute(
                    select(KubernetesResource, KubernetesResourceObjectMeta)
                    .join(KubernetesResourceObjectMeta, KubernetesResourceObjectMeta.id == KubernetesResource.id)
                    .where(KubernetesResource.id.in_(list(chunk)))
                )
            )
        items = await _hydrate(session, pairs, with_spec=True, with_status=True)
    return {item.resource["id"]: item for item in items}


async def find_resource(
    store: Store, *, kind: str, name: str, namespace: str, cluster_ids: Sequence[str]
) -> StoredResource | None:
    conds = [
        KubernetesResource.kind == kind,
        KubernetesResourceObjectMeta.name == name,
        KubernetesResourceObjectMeta.namespace == namespace,
    ]
    if cluster_ids:
        conds.append(KubernetesResource.cluster_id.in_(list(cluster_ids)))
    async with store.read() as session:
        pair = (
            await session.execute(
                select(KubernetesResource, KubernetesResourceObjectMeta)
                .join(KubernetesResourceObjectMeta, KubernetesResourceObjectMeta.id == KubernetesResource.id)
                .where(*conds)
                .limit(1)
            )
        ).first()
        if pair is None:
            return None
        return (await _hydrate(session, [(pair[0], pair[1])], with_spec=True, with_status=True))[0]


async def summary(
    store: Store, q: ResourceQuery
) -> tuple[list[tuple[str, int]], list[str], list[tuple[str, str, str, int]]]:
    """Counts per kind, the namespaces, and label/annotation counts, for the matching resources."""
    conds = _conditions(q)
    base = (
        select(KubernetesResource.id)
        .join(KubernetesResourceObjectMeta, KubernetesResourceObjectMeta.id == KubernetesResource.id)
        .where(and_(True, *conds))
    )
    async with store.read() as session:
        kinds = (
            await session.execute(
                select(KubernetesResource.kind, func.count())
                .join(KubernetesResourceObjectMeta, KubernetesResourceObjectMeta.id == KubernetesResource.id)
                .where(and_(True, *conds))
                .group_by(KubernetesResource.kind)
                .order_by(KubernetesResource.kind)
            )
        ).all()
        namespaces = (
            await session.execute(
                select(KubernetesResourceObjectMeta.namespace)
                .where(KubernetesResourceObjectMeta.id.in_(base), KubernetesResourceObjectMeta.namespace != "")
                .distinct()
                .order_by(KubernetesResourceObjectMeta.namespace)
            )
        ).all()
        labels = (
            await session.execute(
                select(KubernetesKeyValue.kind, KubernetesKeyValue.key, KubernetesKeyValue.value, func.count())
                .where(KubernetesKeyValue.id.in_(base), KubernetesKeyValue.kind == "label")
                .group_by(KubernetesKeyValue.kind, KubernetesKeyValue.key, KubernetesKeyValue.value)
                .order_by(KubernetesKeyValue.key, KubernetesKeyValue.value)
                .limit(1000)
            )
        ).all()
    return (
        [(str(k), int(n)) for k, n in kinds],
        [str(r[0]) for r in namespaces],
        [(str(a), str(b), str(c), int(n)) for a, b, c, n in labels],
    )


async def cluster_kind_counts(store: Store, cluster_ids: Sequence[str], namespace: str) -> list[tuple[str, int]]:
    """Upstream's cluster-resources count: cluster-scoped objects, the namespace's, and Namespaces."""
    conds: list[Any] = [
        or_(
            KubernetesResourceObjectMeta.namespace == "",
            KubernetesResourceObjectMeta.namespace == namespace,
            KubernetesResource.kind == "Namespace",
        )
    ]
    if cluster_ids:
        conds.append(KubernetesResource.cluster_id.in_(list(cluster_ids)))
    async with store.read() as session:
        rows = (
            await session.execute(
                select(KubernetesResource.kind, func.count())
                .join(KubernetesResourceObjectMeta, KubernetesResourceObjectMeta.id == KubernetesResource.id)
                .where(*conds)
                .group_by(KubernetesResource.kind)
                .order_by(KubernetesResource.kind)
            )
        ).all()
    return [(str(k), int(n)) for k, n in rows]


async def namespaces(store: Store, cluster_ids: Sequence[str]) -> list[str]:
    conds: list[Any] = [KubernetesResource.kind == "Namespace"]
    if cluster_ids:
        conds.append(KubernetesResource.cluster_id.in_(list(cluster_ids)))
    async with store.read() as session:
        rows = await session.execute(
            select(KubernetesResourceObjectMeta.name)
            .join(KubernetesResource, KubernetesResource.id == KubernetesResourceObjectMeta.id)
            .where(*conds)
            .distinct()
            .order_by(KubernetesResourceObjectMeta.name)
        )
        return [str(r[0]) for r in rows]
