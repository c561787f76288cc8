"""ClusterSync on its own: a watch resumed from a compacted version gets 410 and relists."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from meshery.bus import create_bus
from meshery.kube import parse_kubeconfig
from meshery.meshsync.embedded import ClusterSync
from meshery.meshsync.ingest import Ingestor
from meshery.store import Store, migrate
from meshery.store import meshsync as tables
from meshery.store.engine import database_url
from tests.kubeemu import KubeEmulator, pod

pytestmark = pytest.mark.meshsync


async def test_expired_watch_relists(tmp_path: Path) -> None:
    # Bookmarks rarely, so a quiet watch keeps the version of its list; watches last 1 s.
    with KubeEmulator(bookmark_interval=60) as emu:
        emu.seed([pod("before", namespace="x")])
        (ctx,) = parse_kubeconfig(emu.write_kubeconfig(tmp_path / "config").read_bytes())
        store = Store(database_url("", tmp_path / "db.sqlite3"))
        bus = create_bus(nats_url=None, name="t")
        await bus.start()
        await migrate.migrate(store)
        ingestor = Ingestor(store, bus)
        ingestor.start()
        statuses: list[str] = []

        async def on_status(_conn: str, status: str, _meta: dict[str, Any]) -> None:
            statuses.append(status)

        sync = ClusterSync(store=store, ingestor=ingestor, connection_id="c", context=ctx, on_status=on_status)
        sync.watch_seconds = 1
        sync.start()
        try:
            await asyncio.wait_for(sync.synced.wait(), 10)
            emu.seed([pod("silent", namespace="x")], events=False)  # only a relist can find it
            emu.compact()

            async def names() -> set[str]:
                items, _ = await tables.list_resources(
                    store,
                    tables.ResourceQuery(kinds=["Pod"]),
                    page=0,
                    page_size=10,
                    order=None,
                    with_spec=False,
                    with_status=False,
                )
                return {i.meta["name"] for i in items}

            for _ in range(100):
                if await names() == {"before", "silent"}:
                    break
                await asyncio.sleep(0.05)
            assert await names() == {"before", "silent"}
            assert sync.relists >= 1
            assert statuses == ["connected"]
        finally:
            await sync.stop()
            await ingestor.stop()
            await bus.stop()
            await store.dispose()
