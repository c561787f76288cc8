"""ClusterSync on its own: a watch that expires (410) relists, and the relist's diff against the
store adds what is new, updates what changed and removes what was deleted meanwhile."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest

from meshery.bus import create_bus
from meshery.kube import parse_kubeconfig
from meshery.meshsync.embedded import ClusterSync
from meshery.meshsync.ingest import CHANGES_SUBJECT, Ingestor
from meshery.meshsync.model import resource_id
from meshery.store import Store, migrate
from meshery.store import meshsync as tables
from meshery.store.engine import database_url
from tests.kubeemu import KubeEmulator, pod

pytestmark = pytest.mark.meshsync

DEADLINE = 60.0  # generous: only a relist that never happens fails, not a slow machine


@asynccontextmanager
async def syncing(
    emu: KubeEmulator, tmp_path: Path, statuses: list[str], *, watch_seconds: int | None = None
) -> AsyncIterator[tuple[ClusterSync, Store]]:
    """A ClusterSync of the emulator's context into a fresh SQLite store, synced once."""
    (ctx,) = parse_kubeconfig(emu.write_kubeconfig(tmp_path / "config").read_bytes())
    store = Store(database_url("", tmp_path / "db.sqlite3"))
    bus = create_bus(nats_url=None, name="t")
    await bus.start()
    await migrate.migrate(store)
    ingestor = Ingestor(store, bus)
    ingestor.start()

    async def on_status(_conn: str, status: str, _meta: dict[str, Any]) -> None:
        statuses.append(status)

    sync = ClusterSync(store=store, ingestor=ingestor, connection_id="c", context=ctx, on_status=on_status)
    if watch_seconds is not None:
        sync.watch_seconds = watch_seconds
    sync.start()
    try:
        await asyncio.wait_for(sync.synced.wait(), DEADLINE)
        yield sync, store
    finally:
        await sync.stop()
        await ingestor.stop()
        await bus.stop()
        await store.dispose()


async def pod_names(store: Store) -> set[str]:
    items, _ = await tables.list_resources(
        store,
        tables.ResourceQuery(kinds=["Pod"]),
        page=0,
        page_size=100,
        order=None,
        with_spec=False,
        with_status=False,
    )
    return {i.meta["name"] for i in items}


async def test_expired_watch_relists(tmp_path: Path) -> None:
    # Bookmarks rarely, so a quiet watch keeps the version of its list.
    with KubeEmulator(bookmark_interval=60) as emu:
        emu.seed([pod("before", namespace="x")])
        statuses: list[str] = []
        # Each watch ends after 1 s and resumes from the version it saw last, compacted below.
        async with syncing(emu, tmp_path, statuses, watch_seconds=1) as (sync, store):
            emu.seed([pod("silent", namespace="x")], events=False)  # only a relist can find it
            emu.compact()
            for _ in range(int(DEADLINE / 0.05)):
                if await pod_names(store) == {"before", "silent"}:
                    break
                await asyncio.sleep(0.05)
            assert await pod_names(store) == {"before", "silent"}
            assert sync.relists >= 1
            assert statuses == ["connected"]


async def test_relist_after_expired_watch_removes_adds_and_updates(tmp_path: Path) -> None:
    with KubeEmulator(bookmark_interval=0.2) as emu:
        emu.seed([pod(name, namespace="x") for name in ("kept", "deleted", "changed")])
        emu.seed([{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "gone", "namespace": "x"}}])
        statuses: list[str] = []
        async with syncing(emu, tmp_path, statuses) as (sync, store):
            cluster = sync.cluster_id
            assert await pod_names(store) == {"kept", "deleted", "changed"}
            gone_cm = resource_id(cluster, "ConfigMap", "v1", "x", "gone")
            assert await tables.get_resource(store, gone_cm) is not None
            await asyncio.to_thread(emu.wait_for_watches, 1, plural="pods", timeout=DEADLINE)
            subscription = await sync.ingestor.bus.subscribe(CHANGES_SUBJECT)
            relists = sync.relists

            # The watches miss all of this, then end with ERROR 410: only the relist can tell.
            with emu.missed_by_watches():
                emu.delete("v1", "Pod", "deleted", "x")
                emu.delete("v1", "ConfigMap", "gone", "x")
                emu.patch("v1", "Pod", "changed", "x", merge={"metadata": {"labels": {"app": "v2"}}})
                emu.patch("v1", "Pod", "changed", "x", merge={"status": {"phase": "Failed"}})
                emu.seed([pod("added", namespace="x")])
                await asyncio.sleep(0.5)  # several bookmark intervals: the client learns nothing
                assert await pod_names(store) == {"kept", "deleted", "changed"}

            # A resource's watch is opened again only once its relist is complete.
            await asyncio.to_thread(emu.wait_for_watches, 1, plural="pods", timeout=DEADLINE)
            await asyncio.to_thread(emu.wait_for_watches, 1, plural="configmaps", timeout=DEADLINE)
            assert sync.relists > relists
            assert await pod_names(store) == {"kept", "changed", "added"}
            assert await tables.get_resource(store, gone_cm) is None
            changed = await tables.get_resource(store, resource_id(cluster, "Pod", "v1", "x", "changed"))
            assert changed is not None
            assert {(kv["key"], kv["value"]) for kv in changed.labels} == {("app", "v2")}
            assert json.loads(changed.status or "{}")["phase"] == "Failed"

            # The removals are published like watched deletions, so live views drop them too.
            deleted: set[str] = set()
            wanted = {resource_id(cluster, "Pod", "v1", "x", "deleted"), gone_cm}
            while not wanted <= deleted:
                message = await asyncio.wait_for(anext(subscription), DEADLINE)
                deleted |= {c["id"] for c in json.loads(message.data)["changes"] if c["type"] == "DELETED"}
            await subscription.unsubscribe()
            assert statuses == ["connected"]
