"""Fixtures of the events tests: services on SQLite or PostgreSQL with an in-process bus."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from meshery.bus import create_bus
from meshery.context import Services
from meshery.store import Store, migrate
from meshery.store.engine import database_url as make_url
from tests.fixtures.app import app_settings


@pytest.fixture
async def services(tmp_path: Path, database_url: str) -> AsyncIterator[Services]:
    store = Store(make_url(database_url, tmp_path / "events.sqlite3"))
    await migrate.migrate(store)
    bus = create_bus(nats_url=None, name="test")
    await bus.start()
    services = Services(
        settings=app_settings(user_data_folder=tmp_path, database_url=database_url),
        store=store,
        bus=bus,
        instance_id="6f3e1a59-2c2e-4c7e-9a84-55a2a4b1e001",
    )
    try:
        yield services
    finally:
        await bus.stop()
        for task in services.background:
            task.cancel()
        await store.dispose()
