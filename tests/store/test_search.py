"""Searches match the text as typed: ``%``, ``_`` and ``\\`` are not wildcards, on both databases."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from meshery.store import Store, engine, migrate, search
from meshery.store import connections as connection_repo
from meshery.store import credentials as credential_repo
from meshery.store.connections import Connection, ConnectionFilter, Credential, now

STORE = Path(search.__file__).parent
NAMES = ["50% off", "500 things", "a_b", "axb", "AXB", "A_B upper", "back\\slash", "backslash"]

# search text -> the names it finds (literally, any case)
EXPECTED = {
    "50%": {"50% off"},
    "a_b": {"a_b", "A_B upper"},
    "x": {"axb", "AXB"},
    "\\": {"back\\slash"},
    "%": {"50% off"},
    "_": {"a_b", "A_B upper"},
    "50": {"50% off", "500 things"},
}


def test_pattern_escapes_the_wildcards() -> None:
    assert search.pattern("50%") == "%50\\%%"
    assert search.pattern("A_b") == "%a\\_b%"
    assert search.pattern("c:\\x") == "%c:\\\\x%"
    with pytest.raises(ValueError):
        search.condition("x")


def test_every_like_in_the_store_is_the_search_condition() -> None:
    """No query of the store builds LIKE itself (which is how 8 of 10 sites forgot the escaping)."""
    builders = re.compile(r"\.i?like\(|\bnot_i?like\(|\blike_pattern\b")
    found = {
        f"{path.name}:{number}"
        for path in sorted(STORE.rglob("*.py"))
        if path != STORE / "search.py"
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if builders.search(line)
    }
    assert found == set()


@pytest.fixture
async def store(tmp_path: Path, database_url: str) -> AsyncIterator[Store]:
    db = Store(engine.database_url(database_url, tmp_path / "store.sqlite3"))
    try:
        await migrate.migrate(db)
        yield db
    finally:
        await db.dispose()


async def _seed(store: Store) -> None:
    stamp = now()
    for number, name in enumerate(NAMES):
        credential = Credential(
            id=f"00000000-0000-0000-0000-{number:012d}",
            name=name,
            user_id="owner",
            type="token",
            secret="sealed",
            created_at=stamp,
            updated_at=stamp,
            deleted_at=None,
        )
        conn = Connection(
            id=f"10000000-0000-0000-0000-{number:012d}",
            name=name,
            credential_id=credential.id,
            type="platform",
            sub_type="orchestrator",
            kind="kubernetes",
            meta={},
            status="registered",
            user_id="owner",
            created_at=stamp,
            updated_at=stamp,
            deleted_at=None,
        )
        await connection_repo.save_connection(store, conn, credential)


@pytest.mark.parametrize(("text", "names"), sorted(EXPECTED.items()), ids=sorted(EXPECTED))
async def test_search_matches_literally(store: Store, text: str, names: set[str]) -> None:
    await _seed(store)
    conns, total, _ = await connection_repo.list_connections(
        store, ConnectionFilter(search=text), page=0, page_size=50, order=None
    )
    assert {c.name for c in conns} == names and total == len(names)
    creds, total = await credential_repo.list_credentials(
        store, "owner", page=0, page_size=50, search=text, order=None
    )
    assert {c.name for c in creds} == names and total == len(names)
