"""Start a server under test in its own process, wait until it answers, and always stop it.

Both servers run one uvicorn worker on 127.0.0.1 with uvloop and httptools: ours through
``python -m meshery.cli`` (uvicorn's "auto" loop and HTTP choices resolve to exactly those
when they are installed, as here), the FastAPI baseline through the uvicorn command line
with both named explicitly. Each process gets a fresh ``USER_DATA_FOLDER`` (so a fresh
SQLite file) unless a ``DATABASE_URL`` is given, and its own session so that stopping it
stops anything it started. Output goes to a log file whose tail is shown when start-up fails.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from bench import PROJECT_ROOT

HOST = "127.0.0.1"
POLL_INTERVAL_S = 0.005
# Variables the server reads (meshery.config) that must not leak from the caller's shell.
SERVER_VARIABLES = (
    "PORT", "HOST", "DEBUG", "LOG_LEVEL", "DATABASE_URL", "NATS_URL", "USER_DATA_FOLDER",
    "GRAPHQL_CACHE_SIZE", "PROVIDER", "PROVIDER_BASE_URLS", "ADAPTER_URLS", "PLAYGROUND",
)  # fmt: skip


@dataclass(frozen=True)
class ServerKind:
    """How to start one kind of server and which path says it is ready."""

    name: str
    ready_path: str

    def argv(self, port: int) -> list[str]:
        if self.name == "ours":
            return [sys.executable, "-m", "meshery.cli"]
        return [
            sys.executable, "-m", "uvicorn", "--factory", "bench.fastapi_baseline:create_app",
            "--host", HOST, "--port", str(port), "--workers", "1", "--loop", "uvloop", "--http", "httptools",
            "--no-access-log", "--log-level", "warning",
        ]  # fmt: skip


OURS = ServerKind("ours", "/healthz/ready")
FASTAPI = ServerKind("fastapi", "/api/system/version")


@dataclass(frozen=True)
class Running:
    """A server that answered its readiness path."""

    kind: str
    pid: int
    port: int
    startup_s: float

    def url(self, path: str) -> str:
        return f"http://{HOST}:{self.port}{path}"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


def server_env(*, port: int, data_dir: Path, extra: Mapping[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in SERVER_VARIABLES}
    env.update(PORT=str(port), HOST=HOST, USER_DATA_FOLDER=str(data_dir), PYTHONUNBUFFERED="1")
    env.update(extra)
    return env


def _answers_200(port: int, path: str) -> bool:
    conn = http.client.HTTPConnection(HOST, port, timeout=2)
    try:
        conn.request("GET", path)
        return conn.getresponse().status == 200
    except OSError:
        return False
    finally:
        conn.close()


def stop(proc: subprocess.Popen[bytes], *, grace: float = 5.0) -> None:
    """SIGTERM the server's process group, then SIGKILL it if it has not exited within ``grace``."""
    if proc.poll() is not None:
        return
    for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, grace)):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, sig)
        try:
            proc.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue


@contextlib.contextmanager
def running(
    kind: ServerKind, *, data_dir: Path, extra_env: Mapping[str, str] | None = None, timeout: float = 60.0
) -> Iterator[Running]:
    """Start ``kind`` with a fresh data folder, yield once it answers 200, stop it on exit."""
    data_dir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    log_path = data_dir / f"{kind.name}.log"
    with open(log_path, "wb") as log:
        started = time.perf_counter()
        proc = subprocess.Popen(
            kind.argv(port),
            cwd=PROJECT_ROOT,
            env=server_env(port=port, data_dir=data_dir, extra=extra_env or {}),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            while not _answers_200(port, kind.ready_path):
                if proc.poll() is not None or time.perf_counter() - started > timeout:
                    tail = log_path.read_text(errors="replace")[-3000:]
                    raise RuntimeError(f"{kind.name} server did not become ready (exit {proc.poll()}):\n{tail}")
                time.sleep(POLL_INTERVAL_S)
            yield Running(kind=kind.name, pid=proc.pid, port=port, startup_s=time.perf_counter() - started)
        finally:
            stop(proc)
