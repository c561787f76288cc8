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
from meshery.observability.spans import Span

MAX_TEXT = 2000


def _verb(statement: str) -> str:
    word = statement.lstrip()[:16].split(None, 1)  # (no copy of a long statement)
    return word[0].upper() if word else "SQL"


def attach(engine: AsyncEngine, dialect: str) -> None:
    """Trace ``engine``'s statements (when tracing is on) and report its pool to ``/metrics``.

    The span is made around the driver's own call, through the dialect's ``do_execute``,
    ``do_execute_no_params`` and ``do_executemany`` events (each runs the statement itself and
    says so). Connection events (``before_cursor_execute`` and the like) would do as well, but
    SQLAlchemy then joins the engine's listeners into every connection it checks out, which
    costs more than the spans themselves.
    """
    metrics.watch_pool(engine, dialect, pool_use)
    if not tracing.ON:
        return
    sync = engine.sync_engine
    driver = sync.dialect

    def started(statement: str) -> Span | None:
        return tracing.start(
            _verb(statement),
            kind=SpanKind.CLIENT,
            attributes={"db.system.name": dialect, "db.query.text": statement[:MAX_TEXT]},
        )

    def failed(span: Span, exc: BaseException) -> None:
        span.set_status(Status(StatusCode.ERROR, type(exc).__name__))
        span.end()

    def execute(cursor: Any, statement: str, parameters: Any, context: Any) -> bool:
        span = started(statement)
        if span is None:
            return False  # tracing turned off since: the dialect runs it
        try:
            driver.do_execute(cursor, statement, parameters, context)
        except BaseException as exc:
            failed(span, exc)
            raise
        span.end()
        return True

    def execute_no_params(cursor: Any, statement: str, context: Any) -> bool:
        span = started(statement)
        if span is None:
            return False
        try:
            driver.do_execute_no_params(cursor, statement, context)
        except BaseException as exc:
            failed(span, exc)
            raise
        span.end()
        return True

    def executemany(cursor: Any, statement: str, parameters: Any, context: Any) -> bool:
        span = started(statement)
        if span is None:
            return False
        try:
            driver.do_executemany(cursor, statement, parameters, context)
        except BaseException as exc:
            failed(span, exc)
            raise
        span.end()
        return True

    event.listen(sync, "do_execute", execute)
    event.listen(sync, "do_execute_no_params", execute_no_params)
    event.listen(sync, "do_executemany", executemany)


def pool_use(engine: AsyncEngine) -> dict[str, int]:
    """Connections of ``engine``'s pool: in use, idle, and its configured size."""
    pool: Any = engine.pool
    found: dict[str, int] = {}
    for state, method in (("in_use", "checkedout"), ("idle", "checkedin"), ("size", "size")):
        probe = getattr(pool, method, None)
        if callable(probe):
            found[state] = int(probe())
    return found
