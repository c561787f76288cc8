"""Fixtures of the observability tests: spans collected in memory while a test runs."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from meshery.observability import tracing
from meshery.observability.spans import Pipeline
from tests.designs.deploy_samples import kubeconfig_with_down, upload
from tests.kubeemu import KubeEmulator


class Spans:
    """The spans finished so far (the pipeline's queue flushed first), with helpers to walk their tree."""

    def __init__(self, exporter: InMemorySpanExporter) -> None:
        self.exporter = exporter

    def all(self) -> list[ReadableSpan]:
        tracing.flush()
        return list(self.exporter.get_finished_spans())

    def named(self, name: str) -> list[ReadableSpan]:
        return [s for s in self.all() if s.name == name]

    def one(self, name: str) -> ReadableSpan:
        found = self.named(name)
        assert len(found) == 1, f"{len(found)} spans named {name!r}: {sorted({s.name for s in self.all()})}"
        return found[0]

    def children(self, parent: ReadableSpan) -> list[ReadableSpan]:
        assert parent.context is not None
        return [s for s in self.all() if s.parent is not None and s.parent.span_id == parent.context.span_id]

    def clear(self) -> None:
        tracing.flush()
        self.exporter.clear()


@pytest.fixture
def spans() -> Iterator[Spans]:
    """Tracing on, every span kept in memory (request it before the app, whose store listens at start)."""
    exporter = InMemorySpanExporter()
    tracing.install(Pipeline(exporter))  # batched as in production: ``Spans`` flushes before it reads
    try:
        yield Spans(exporter)
    finally:
        tracing.uninstall()


@pytest.fixture
async def connection(kube_emulator_tls: KubeEmulator, tmp_path: Path, client: httpx.AsyncClient) -> AsyncIterator[str]:
    """The emulator uploaded as a connection (request ``spans`` first to trace the app)."""
    answer = await upload(client, kubeconfig_with_down(kube_emulator_tls, tmp_path / "uploaded"))
    (conn_id,) = [c["connection_id"] for c in answer["connected_contexts"]]
    yield conn_id
    assert (await client.delete(f"/api/system/kubernetes/contexts/{conn_id}")).status_code == 200
    await asyncio.sleep(0.3)
