"""``python -m tools.remote_provider``: serve the reference remote provider."""

from __future__ import annotations

import argparse
import logging
import sys

import uvicorn

from tools.remote_provider.app import ProviderState, create_app


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=9876)
    parser.add_argument("--name", default="Reference", help="providerName in the capabilities")
    parser.add_argument("--token-ttl", type=int, default=3600, help="access token lifetime in seconds")
    parser.add_argument("--debug-endpoints", action="store_true", help="serve /debug/* (tests only)")
    parser.add_argument("--catalog", action="store_true", help="offer the catalog and share capabilities")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    state = ProviderState(name=args.name, token_ttl=args.token_ttl, debug_endpoints=args.debug_endpoints,
                          catalog=args.catalog)
    uvicorn.run(create_app(state), host=args.host, port=args.port, log_config=None, access_log=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
