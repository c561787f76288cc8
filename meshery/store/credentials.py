"""Repository of the caller's credentials (the ``credentials`` table of ``meshery.store.connections``).

Secrets arrive here already sealed by ``meshery.secrets``; nothing in this module sees plaintext.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, func, select

from meshery.store.connections import MAX_OFFSET, Connection, Credential
from meshery.store.engine import Store
from meshery.store.search import condition as search_condition

_ORDER = {"name", "type", "created_at", "updated_at"}


async def list_credentials(
    store: Store, owner: str, *, page: int, page_size: int, search: str | None, order: str | None
) -> tuple[list[Credential], int]:
    conds: list[Any] = [Credential.user_id == owner]
    if search:
        conds.append(search_condition(search, Credential.name))
    field, _, direction = (order or "updated_at desc").partition(" ")
    column = getattr(Credential, field if field in _ORDER else "updated_at")
    sort = column.desc() if direction == "desc" else column.asc()
    async with store.read() as session:
        total = (await session.execute(select(func.count()).select_from(Credential).where(and_(*conds)))).scalar_one()
        rows = (
            (
                await session.execute(
                    select(Credential)
                    .where(and_(*conds))
                    .order_by(sort, Credential.id)
                    .offset(min(page * page_size, MAX_OFFSET))
                    .limit(page_size)
                )
            )
            .scalars()
            .all()
        )
    return list(rows), int(total)


async def get_owned(store: Store, credential_id: str, owner: str) -> Credential | None:
    async with store.read() as session:
        row = await session.get(Credential, credential_id)
    return row if row is not None and row.user_id == owner else None


async def save(store: Store, row: Credential) -> None:
    async with store.write() as session:
        await session.merge(row)


async def users_of(store: Store, credential_id: str) -> list[str]:
    """Ids of the connections linked to a credential."""
    async with store.read() as session:
        return list(
            (await session.execute(select(Connection.id).where(Connection.credential_id == credential_id))).scalars()
        )


async def delete(store: Store, credential_id: str) -> None:
    async with store.write() as session:
        row = await session.get(Credential, credential_id)
        if row is not None:
            await session.delete(row)
