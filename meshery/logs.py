"""Logging set-up: one line per record, level from LOG_LEVEL or DEBUG; session tokens redacted.

A provider's token callback carries the token in its query
(``/api/user/token?token=...``), which the access log (DEBUG) would print:
every record passes through ``redact`` first.
"""

from __future__ import annotations

import logging
import re
import sys

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


def setup(level: int) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter(FORMAT))
    handler.addFilter(redact)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name, floor in NOISY.items():
        logging.getLogger(name).setLevel(max(level, floor))
