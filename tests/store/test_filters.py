"""The filter store on SQLite and PostgreSQL: modules kept apart from list rows, ownership, paging."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from meshery.store import Store, engine, migrate, ownership
from meshery.store import filters as repo

MODULE = b"\0asm\x01\0\0\0"


@pytest.fixture
async def store(tmp_path: Path, database_url: str) -> AsyncIterator[Store]:
    db = Store(engine.database_url(database_url, tmp_path / "filters.sqlite3"))
    await migrate.migrate(db)
    try:
        yield db
    finally:
        await db.dispose()


def _row(name: str, user: str, visibility: str = "private") -> repo.FilterRow:
    now = repo.now()
    return repo.FilterRow(
        id=str(uuid.uuid4()),
        name=name,
        user_id=user,
        filter_resource="{}",
        visibility=visibility,
        location={},
        catalog_data={},
        file_size=len(MODULE),
        file_sha256="",
        created_at=now,
        updated_at=now,
    )


async def test_lists_read_no_module_and_scopes_readers(store: Store) -> None:
    mine = await repo.save_filter(store, _row("alpha", "alice"), MODULE)
    shared = await repo.save_filter(store, _row("beta", "alice", "public"), MODULE + b"x")
    await repo.save_filter(store, _row("gamma", "bob"), None)

    rows, total = await repo.list_filters(store, repo.FilterQuery(viewer="bob"), page=0, page_size=10, order="name asc")
    assert [r.name for r in rows] == ["beta", "gamma"] and total == 2
    rows, total = await repo.list_filters(
        store, repo.FilterQuery(viewer="alice", search="ALP"), page=0, page_size=10, order=None
    )
    assert [r.id for r in rows] == [mine.id] and total == 1

    assert await repo.read_file(store, mine.id) == MODULE
    token = ownership.enter("bob")
    try:
        assert await repo.read_file(store, mine.id) is None  # alice's private module is not bob's to read
        assert await repo.read_file(store, shared.id) == MODULE + b"x"
        assert await repo.read_filter(store, mine.id) is None
        assert await repo.delete_filters(store, [mine.id, shared.id], owner="bob") == []
    finally:
        ownership.leave(token)

    # Saving without a module keeps the stored one; deleting takes the module with the row.
    renamed = _row("alpha2", "alice")
    renamed.id = mine.id
    await repo.save_filter(store, renamed, None)
    assert await repo.read_file(store, mine.id) == MODULE
    gone = await repo.delete_filters(store, [mine.id], owner="alice")
    assert [r.id for r in gone] == [mine.id]
    assert await repo.read_file(store, mine.id) is None
    assert await repo.read_filter(store, mine.id) is None


async def test_visibility_changes_by_the_owner_only(store: Store) -> None:
    row = await repo.save_filter(store, _row("pub", "alice"), MODULE)
    token = ownership.enter("bob")
    try:
        assert await repo.set_visibility(store, row.id, visibility="published") is None
    finally:
        ownership.leave(token)
    token = ownership.enter("alice")
    try:
        published = await repo.set_visibility(store, row.id, visibility="published", catalog_data={"type": "Security"})
    finally:
        ownership.leave(token)
    assert published is not None and (published.visibility, published.catalog_data) == (
        "published",
        {"type": "Security"},
    )
    rows, _ = await repo.list_filters(store, repo.FilterQuery(viewer="bob"), page=0, page_size=10, order=None)
    assert [r.id for r in rows] == [row.id]
