"""``make swagger``: serve Swagger UI for a bundled spec file, without the server.

Reuses the server's own spec and Swagger UI routes (``meshery.apidocs``), so
the page is the one users see at /api/docs, offline assets included.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from starlette.applications import Starlette
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from meshery import apidocs


def build_app(spec: Path) -> Starlette:
    async def home(_request: object) -> Response:
        return RedirectResponse(f"{apidocs.DOCS_PATH}/")

    return Starlette(routes=[Route("/", home), *apidocs.routes(spec)])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m codegen.swagger", description=__doc__)
    parser.add_argument("--spec", type=Path, required=True, help="bundled spec (YAML)")
    parser.add_argument("--port", type=int, default=9082)
    parser.add_argument("--host", default="127.0.0.1")
    args = parser.parse_args(argv)
    import uvicorn

    print(f"Swagger UI for {args.spec} at http://{args.host}:{args.port}{apidocs.DOCS_PATH}/")
    uvicorn.run(build_app(args.spec), host=args.host, port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
