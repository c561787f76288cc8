"""Statement spans of ``meshery.store.instrument``: one per statement, whichever way the driver runs it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode
from sqlalchemy import text
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from meshery.observability import tracing
from meshery.observability.spans import Pipeline
from meshery.store import instrument


@pytest.fixture
async def traced(tmp_path: Path) -> AsyncIterator[tuple[AsyncEngine, InMemorySpanExporter]]:
    exporter = InMemorySpanExporter()
    tracing.install(Pipeline(exporter))
    engine = create_async_engine(f"sqlite+aiosqlite:///{tmp_path / 'spans.db'}")
    instrument.attach(engine, "sqlite")
    try:
        yield engine, exporter
    finally:
        await engine.dispose()
        tracing.uninstall()


async def test_statements_are_children_of_the_current_span(traced: tuple[AsyncEngine, InMemorySpanExporter]) -> None:
    engine, exporter = traced
    with tracing.span("work") as work:
        async with engine.begin() as conn:
            await conn.execute(text("  create table t (n integer)"))  # no parameters
            await conn.execute(text("insert into t (n) values (:n)"), [{"n": 1}, {"n": 2}])  # executemany
            assert (await conn.execute(text("select count(*) from t where n > :n"), {"n": 0})).scalar() == 2
    tracing.flush()
    statements = [s for s in exporter.get_finished_spans() if s.kind is SpanKind.CLIENT]
    assert [s.name for s in statements] == ["CREATE", "INSERT", "SELECT"]
    for found in statements:
        assert found.parent is not None and found.parent.span_id == work.get_span_context().span_id
        assert found.attributes is not None and found.attributes["db.system.name"] == "sqlite"
    assert statements[2].attributes is not None
    assert statements[2].attributes["db.query.text"] == "select count(*) from t where n > ?"


async def test_a_failed_statement_ends_its_span_as_an_error(traced: tuple[AsyncEngine, InMemorySpanExporter]) -> None:
    engine, exporter = traced
    with pytest.raises(OperationalError):
        async with engine.connect() as conn:
            await conn.execute(text("select * from no_such_table"))
    tracing.flush()
    (failed,) = [s for s in exporter.get_finished_spans() if s.kind is SpanKind.CLIENT]
    assert failed.name == "SELECT" and failed.status.status_code is StatusCode.ERROR
    assert failed.end_time is not None
