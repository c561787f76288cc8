"""Traces and metrics of the database: one span per statement, the pool's use at scrape time.

``attach`` is called for every engine the store creates. Statement spans are listened for
only when tracing is on at that moment (the store starts with the server's lifespan, after
tracing is set up), so a server without traces pays nothing per statement. The span is a
client span, child of whatever span is current (SQLAlchemy runs the driver in a greenlet that
shares the caller's context), named after the statement's verb and carrying its text (bound
parameters stay out of it).
"""

from __future__ import annotations

from typing import Any

from opentelemetry.trace import SpanKind, Status, StatusCode
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from meshery.observability import metrics, tracing

SPAN_KEY = "_meshery_span"
MAX_TEXT = 2000


def _verb(statement: str) -> str:
    word = statement.lstrip().split(None, 1)
    return word[0].upper() if word else "SQL"


def attach(engine: AsyncEngine, dialect: str) -> None:
    """Trace ``engine``'s statements (when tracing is on) and report its pool to ``/metrics``."""
    metrics.watch_pool(engine, dialect, pool_use)
    if not tracing.ON:
        return
    sync = engine.sync_engine

    def before(_conn: Any, _cursor: Any, statement: str, _params: Any, context: Any, _many: bool) -> None:
        span = tracing.start(
            _verb(statement),
            kind=SpanKind.CLIENT,
            attributes={"db.system.name": dialect, "db.query.text": statement[:MAX_TEXT]},
        )
        if span is not None and context is not None:
            setattr(context, SPAN_KEY, span)

    def after(_conn: Any, _cursor: Any, _statement: str, _params: Any, context: Any, _many: bool) -> None:
        span = getattr(context, SPAN_KEY, None)
        if span is not None:
            span.end()

    def failed(exception_context: Any) -> None:
        span = getattr(exception_context.execution_context, SPAN_KEY, None)
        if span is not None:
            span.set_status(Status(StatusCode.ERROR, type(exception_context.original_exception).__name__))
            span.end()

    event.listen(sync, "before_cursor_execute", before)
    event.listen(sync, "after_cursor_execute", after)
    event.listen(sync, "handle_error", failed)


def pool_use(engine: AsyncEngine) -> dict[str, int]:
    """Connections of ``engine``'s pool: in use, idle, and its configured size."""
    pool: Any = engine.pool
    found: dict[str, int] = {}
    for state, method in (("in_use", "checkedout"), ("idle", "checkedin"), ("size", "size")):
        probe = getattr(pool, method, None)
        if callable(probe):
            found[state] = int(probe())
    return found
