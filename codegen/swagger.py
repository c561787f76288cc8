"""``make swagger``: serve Swagger UI for a bundled spec file, without the server.

Uses the Swagger UI assets vendored by the swagger-ui-bundle wheel, so it
works offline; the page loads nothing from other hosts.
"""

from __future__ import annotations

import argparse
from pathlib import Path

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Meshery Server API</title>
<link rel="stylesheet" href="/assets/swagger-ui.css"></head>
<body><div id="swagger-ui"></div>
<script src="/assets/swagger-ui-bundle.js"></script>
<script src="/assets/swagger-ui-standalone-preset.js"></script>
<script>
window.ui = SwaggerUIBundle({url: "/spec", dom_id: "#swagger-ui",
  presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset], layout: "StandaloneLayout"});
</script></body></html>
"""


def build_app(spec: Path):  # type: ignore[no-untyped-def]  # Starlette is an optional dev import here
    import swagger_ui_bundle
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import FileResponse, HTMLResponse, Response
    from starlette.routing import Mount, Route
    from starlette.staticfiles import StaticFiles

    async def index(_request: Request) -> Response:
        return HTMLResponse(PAGE)

    async def spec_file(_request: Request) -> Response:
        media = "application/json" if spec.suffix == ".json" else "application/yaml"
        return FileResponse(spec, media_type=media)

    return Starlette(
        routes=[
            Route("/", index),
            Route("/spec", spec_file),
            Mount("/assets", StaticFiles(directory=swagger_ui_bundle.swagger_ui_path)),
        ]
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m codegen.swagger", description=__doc__)
    parser.add_argument("--spec", type=Path, required=True)
    parser.add_argument("--port", type=int, default=9082)
    parser.add_argument("--host", default="127.0.0.1")
    args = parser.parse_args(argv)
    import uvicorn

    print(f"Swagger UI for {args.spec} at http://{args.host}:{args.port}/")
    uvicorn.run(build_app(args.spec), host=args.host, port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
