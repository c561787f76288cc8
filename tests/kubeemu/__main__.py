"""``python -m tests.kubeemu``: run the emulator as a process until SIGTERM or SIGINT."""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
from collections.abc import Sequence

from tests.kubeemu.emulator import KubeEmulator


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m tests.kubeemu", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port (default)")
    parser.add_argument("--token", action="append", default=[], help="accepted bearer token (repeatable)")
    parser.add_argument("--version", default="1.32.0", help="reported Kubernetes version (default 1.32.0)")
    parser.add_argument("--cluster-name", default="kubeemu", help="context name; also seeds kube-system's UID")
    parser.add_argument("--kubeconfig", default=None, help="write a kubeconfig for this server here")
    parser.add_argument("--seed-pods", type=int, default=0, help="seed this many pods in namespace default")
    parser.add_argument("--bookmark-interval", type=float, default=1.0)
    parser.add_argument("--tls", action="store_true", help="serve https with a fresh CA (embedded in the kubeconfig)")
    parser.add_argument("--controllers", action="store_true", help="workloads get running pods")
    return parser


async def _serve(args: argparse.Namespace) -> None:
    emu = KubeEmulator(
        host=args.host,
        port=args.port,
        tokens=args.token,
        version=args.version,
        cluster_name=args.cluster_name,
        bookmark_interval=args.bookmark_interval,
        tls=args.tls,
        controllers=args.controllers,
    )
    if args.seed_pods:
        emu.seed_pods(args.seed_pods, events=False)
    await emu.astart()
    if args.kubeconfig:
        emu.write_kubeconfig(args.kubeconfig)
    print(f"kubeemu listening on {emu.url}", flush=True)
    done = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, done.set)
    await done.wait()
    await emu.astop()


def main(argv: Sequence[str] | None = None) -> int:
    asyncio.run(_serve(_parser().parse_args(argv)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
