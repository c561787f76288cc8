"""One ingestion path for both modes: batch resource changes, write them, publish them.

Changes are buffered and written in batches (up to ``batch_size`` or every ``interval``
seconds, whichever comes first; upstream: 100 per 500 ms), one transaction per batch, the last
change of an object in a batch winning. After each write a summary is published on the bus
subject ``meshery-server.meshsync.changes`` (see ``CHANGES_SUBJECT``), which GraphQL
subscriptions and other replicas listen to.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from dataclasses import dataclass, field
from typing import Any

from generated import errors
from meshery.bus import Bus, BusError
from meshery.meshsync import model
from meshery.observability import metrics
from meshery.store import Store
from meshery.store import meshsync as tables

log = logging.getLogger(__name__)

CHANGES_SUBJECT = "meshery-server.meshsync.changes"
BATCH_SIZE = 500
INTERVAL = 0.1


@dataclass(frozen=True, slots=True)
class Change:
    """One object added, modified or deleted in one cluster."""

    type: str
    obj: dict[str, Any]
    cluster_id: str
    connection_id: str = ""


@dataclass
class Stats:
    written: int = 0
    deleted: int = 0
    batches: int = 0
    failures: int = 0
    seconds: float = 0.0
    started: float = field(default_factory=time.monotonic)


def summary_of(change: Change, rid: str) -> dict[str, Any]:
    meta = change.obj.get("metadata") or {}
    return {
        "type": change.type,
        "id": rid,
        "kind": change.obj.get("kind", ""),
        "apiVersion": change.obj.get("apiVersion", ""),
        "name": meta.get("name", ""),
        "namespace": meta.get("namespace", ""),
        "clusterID": change.cluster_id,
        "connectionID": change.connection_id,
    }


async def write_changes(store: Store, changes: list[Change]) -> list[dict[str, Any]]:
    """Write one batch (last change per object wins); returns the change summaries."""
    latest: dict[str, Change] = {}
    for change in changes:
        latest[model.object_id(change.obj, change.cluster_id)] = change
    rows = tables.Rows()
    deleted: list[str] = []
    summaries: list[dict[str, Any]] = []
    for rid, change in latest.items():
        if change.type == "DELETED":
            deleted.append(rid)
        else:
            model.add_object(rows, change.obj, change.cluster_id)
        summaries.append(summary_of(change, rid))
    await tables.write_batch(store, rows, deleted)
    return summaries


class Ingestor:
    """Buffers changes and writes them in batches from one background task."""

    def __init__(self, store: Store, bus: Bus, *, batch_size: int = BATCH_SIZE, interval: float = INTERVAL) -> None:
        self.store = store
        self.bus = bus
        self.batch_size = batch_size
        self.interval = interval
        self.stats = Stats()
        self._buffer: list[Change] = []
        self._wake = asyncio.Event()
        self._idle = asyncio.Event()
        self._idle.set()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="meshsync-ingest")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self._buffer:
            await self._flush()

    def submit(self, change: Change) -> None:
        self._buffer.append(change)
        self._idle.clear()
        if len(self._buffer) >= self.batch_size:
            self._wake.set()

    def submit_many(self, changes: list[Change]) -> None:
        for change in changes:
            self.submit(change)

    async def drain(self) -> None:
        """Wait until everything submitted so far is written."""
        self._wake.set()
        await self._idle.wait()

    async def write_now(self, changes: list[Change]) -> None:
        """Write a batch directly (initial lists), bypassing the buffer."""
        await self._write(changes)

    async def _run(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.interval)
            self._wake.clear()
            if self._buffer:
                await self._flush()
            else:
                self._idle.set()

    async def _flush(self) -> None:
        while self._buffer:
            batch, self._buffer = self._buffer[: self.batch_size], self._buffer[self.batch_size :]
            await self._write(batch)
        self._idle.set()

    async def _write(self, batch: list[Change]) -> None:
        started = time.perf_counter()
        try:
            summaries = await write_changes(self.store, batch)
        except Exception as exc:  # a failed batch must not stop ingestion
            self.stats.failures += 1
            err = errors.ErrMeshSyncStore(f"{len(batch)} objects not stored: {type(exc).__name__}")
            log.warning("%s: %s", err.code, err.message)
            return
        self.stats.batches += 1
        self.stats.seconds += time.perf_counter() - started
        self.stats.deleted += sum(1 for s in summaries if s["type"] == "DELETED")
        self.stats.written += sum(1 for s in summaries if s["type"] != "DELETED")
        metrics.meshsync_ingested(summaries)  # meshery.observability
        await self.publish(summaries)

    async def publish(self, summaries: list[dict[str, Any]]) -> None:
        if not summaries:
            return
        try:
            await self.bus.publish(CHANGES_SUBJECT, json.dumps({"changes": summaries}).encode())
        except BusError as exc:
            log.debug("meshsync change summary not published: %s", exc)
