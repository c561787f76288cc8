"""``LOG_FORMAT=json``: one JSON object per line, with trace and span ids inside a span.

Mirrors ``meshery/logs.py``; it lives with the observability tests because the ids come from
``meshery.observability.tracing``.
"""

from __future__ import annotations

import io
import json
import logging
import sys
from collections.abc import Iterator

import pytest

from meshery import logs
from meshery.observability import tracing
from tests.observability.conftest import Spans


@pytest.fixture
def captured(monkeypatch: pytest.MonkeyPatch) -> Iterator[io.StringIO]:
    """Logging set up as the server does with LOG_FORMAT=json, into a buffer instead of stderr."""
    buffer = io.StringIO()
    monkeypatch.setattr(sys, "stderr", buffer)
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    logs.setup(logging.INFO, "json")
    try:
        yield buffer
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)


def lines(buffer: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in buffer.getvalue().splitlines()]


def test_one_object_per_line_with_trace_ids_inside_a_span(captured: io.StringIO, spans: Spans) -> None:
    log = logging.getLogger("meshery.test")
    log.info("outside %s", "any span")
    with tracing.span("work") as span:
        log.warning("inside\nwith a line break and token=secret-value")
    try:
        raise ValueError("boom")
    except ValueError:
        log.exception("failed")
    outside, inside, failed = lines(captured)
    assert set(outside) == {"time", "level", "logger", "message"}
    assert outside["level"] == "info" and outside["logger"] == "meshery.test"
    assert outside["message"] == "outside any span"
    assert str(outside["time"]).endswith("Z") and "T" in str(outside["time"])
    context = span.get_span_context()
    assert inside["trace_id"] == format(context.trace_id, "032x")
    assert inside["span_id"] == format(context.span_id, "016x")
    assert inside["level"] == "warning"
    assert inside["message"] == "inside\nwith a line break and token=[redacted]"
    assert "ValueError: boom" in str(failed["exception"])
    assert "trace_id" not in failed


def test_text_format_stays_the_default() -> None:
    assert isinstance(logs.formatter(), logging.Formatter)
    assert not isinstance(logs.formatter(), logs.JsonFormatter)
    assert isinstance(logs.formatter("json"), logs.JsonFormatter)
