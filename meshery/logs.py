"""Logging set-up: one line per record, level from LOG_LEVEL or DEBUG."""

from __future__ import annotations

import logging
import sys

FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"
NOISY = {
    # Connexion logs every 4xx at WARNING; our error handler logs them at INFO.
    "connexion.middleware.exceptions": logging.ERROR,
    "aiosqlite": logging.INFO,
    "asyncio": logging.INFO,
    "alembic.runtime.migration": logging.WARNING,
}


def setup(level: int) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter(FORMAT))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name, floor in NOISY.items():
        logging.getLogger(name).setLevel(max(level, floor))
