"""``python -m meshery.adapters.sample --port N [--service AdapterService|MeshService]``."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
import sys
from collections.abc import Sequence

from meshery.adapters.sample import server


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m meshery.adapters.sample", description=__doc__)
    parser.add_argument("--port", type=int, default=10020, help="gRPC port (default 10020; 0 picks a free one)")
    parser.add_argument("--host", default="127.0.0.1", help="listen address (default 127.0.0.1)")
    parser.add_argument("--service", choices=server.SERVICES, default="AdapterService",
                        help="service generation to serve (default AdapterService; MeshService is the legacy one)")
    return parser


async def _serve(port: int, host: str, service: str) -> None:
    grpc_server, adapter, bound = await server.start(port, service=service, host=host)
    # One line a supervisor (or a test) can wait for.
    print(f"sample adapter {server.NAME} serving meshes.{service} on {host}:{bound}", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    await server.stop(grpc_server, adapter)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if not 0 <= args.port <= 65535:
        print("--port must be from 0 to 65535", file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        asyncio.run(_serve(args.port, args.host, args.service))
    except OSError as exc:
        print(f"sample adapter: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
