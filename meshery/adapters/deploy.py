"""Deploying adapters on this host for ``changeAdapterStatus``.

Upstream runs the adapter's container. Here the sample adapter, which ships with the server,
is started as a child process on the requested port; any other adapter is expected to be
started by its operator, so "deploying" it means watching ``localhost:<port>``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys

log = logging.getLogger(__name__)

SAMPLE = "meshery-sample"
STOP_GRACE = 5.0


class LocalDeployer:
    """Sample-adapter processes started by this server, by port."""

    def __init__(self) -> None:
        self._processes: dict[int, asyncio.subprocess.Process] = {}

    def running(self, port: int) -> bool:
        process = self._processes.get(port)
        return process is not None and process.returncode is None

    async def deploy(self, name: str, port: int) -> bool:
        """Start the sample adapter on ``port``; False for other adapters (nothing to start)."""
        if name != SAMPLE or self.running(port):
            return False
        self._processes[port] = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "meshery.adapters.sample", "--port", str(port),
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
        )
        log.info("started the sample adapter on port %d (pid %d)", port, self._processes[port].pid)
        return True

    async def undeploy(self, port: int) -> bool:
        process = self._processes.pop(port, None)
        if process is None or process.returncode is not None:
            return False
        process.terminate()
        try:
            await asyncio.wait_for(process.wait(), STOP_GRACE)
        except TimeoutError:
            process.kill()
            await process.wait()
        return True

    async def stop(self) -> None:
        for port in list(self._processes):
            with contextlib.suppress(ProcessLookupError):
                await self.undeploy(port)
