"""Logging set-up: one line per record, level from LOG_LEVEL or DEBUG; session tokens redacted.

``LOG_FORMAT=json`` writes each record as one JSON object per line (``time`` in RFC 3339
UTC, ``level``, ``logger``, ``message``, and ``trace_id``/``span_id`` when the record was
logged inside a span, so a log search leads to the trace), plus ``exception`` with the
formatted traceback when the record carries one.

A provider's token callback carries the token in its query
(``/api/user/token?token=...``), which the access log (DEBUG) would print:
every record passes through ``redact`` first.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from datetime import UTC, datetime

from meshery.observability import tracing

SECRET_QUERY = re.compile(r"((?:^|[?&\s])(?:token|access_token|refresh_token)=)[^&\s\"']+", re.IGNORECASE)

FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"
NOISY = {
    # Connexion logs every 4xx at WARNING; our error handler logs them at INFO.
    "connexion.middleware.exceptions": logging.ERROR,
    "aiosqlite": logging.INFO,
    "asyncio": logging.INFO,
    "alembic.runtime.migration": logging.WARNING,
}


def redact(record: logging.LogRecord) -> bool:
    """Replace token values in the formatted message; always keeps the record."""
    message = record.getMessage()
    if "token=" in message.lower():
        record.msg, record.args = SECRET_QUERY.sub(r"\1[redacted]", message), None
    return True


class JsonFormatter(logging.Formatter):
    """One JSON object per record, on one line."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="microseconds").replace(
                "+00:00", "Z"
            ),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        ids = tracing.current_ids()
        if ids is not None:
            entry["trace_id"], entry["span_id"] = ids
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            entry["exception"] = record.exc_text
        return json.dumps(entry, ensure_ascii=False, default=str)


def formatter(log_format: str = "text") -> logging.Formatter:
    """The formatter of ``LOG_FORMAT``: ``json`` or the one-line text format."""
    return JsonFormatter() if log_format == "json" else logging.Formatter(FORMAT)


def setup(level: int, log_format: str = "text") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(formatter(log_format))
    handler.addFilter(redact)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name, floor in NOISY.items():
        logging.getLogger(name).setLevel(max(level, floor))
