"""The spec (YAML and JSON) and Swagger UI, served beside Connexion rather than by it.

Connexion's Swagger UI middleware routes every REST request once more to find
its own few paths (about a tenth of a trivial request's cost, measured with
the in-process micro-benchmark in bench/README.md); serving these pages from
the outer app keeps that off the REST path. Assets come from the
swagger-ui-bundle wheel, so the page works offline.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from pathlib import Path

import swagger_ui_bundle
import yaml
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from generated import errors as catalog
from meshery import apispec, errors

DOCS_PATH = "/api/docs"
SPEC_JSON = "/api/openapi.json"
SPEC_YAML = "/api/openapi.yaml"

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Meshery Server API</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="{docs}/static/swagger-ui.css"></head>
<body><div id="swagger-ui"></div>
<script src="{docs}/static/swagger-ui-bundle.js"></script>
<script src="{docs}/static/swagger-ui-standalone-preset.js"></script>
<script>
window.ui = SwaggerUIBundle({{url: "{spec}", dom_id: "#swagger-ui", deepLinking: true,
  presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset], layout: "StandaloneLayout"}});
</script></body></html>
"""

Endpoint = Callable[[Request], Awaitable[Response]]


def read_only(endpoint: Endpoint) -> Endpoint:
    """Answer GET and HEAD; any other method gets the 405 envelope (not a 404 from the REST mount)."""

    async def guarded(request: Request) -> Response:
        if request.method not in ("GET", "HEAD"):
            allow = {"Allow": "GET, HEAD"}
            return errors.starlette_response(catalog.ErrMethodNotAllowed("allowed: GET, HEAD", headers=allow))
        return await endpoint(request)

    return guarded


def routes(spec_file: Path | None = None) -> list[BaseRoute]:
    """Routes of the spec and its docs page.

    The server's bundled spec comes as codegen wrote it (``meshery.apispec``: read once, never
    re-parsed); another YAML file (``make swagger``) is converted here.
    """
    if spec_file is None:
        text, as_json = apispec.yaml_text(), apispec.json_bytes()
    else:
        text = spec_file.read_text(encoding="utf-8")
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        as_json = json.dumps(yaml.load(text, Loader=loader), separators=(",", ":")).encode()
    page = PAGE.format(docs=DOCS_PATH, spec=SPEC_JSON)

    async def spec_yaml(_request: Request) -> Response:
        return Response(text, media_type="text/yaml")

    async def spec_json(_request: Request) -> Response:
        return Response(as_json, media_type="application/json")

    async def docs_page(_request: Request) -> Response:
        return HTMLResponse(page)

    async def docs_redirect(_request: Request) -> Response:
        return RedirectResponse(f"{DOCS_PATH}/")

    return [
        Route(SPEC_YAML, read_only(spec_yaml)),
        Route(SPEC_JSON, read_only(spec_json)),
        Route(DOCS_PATH, read_only(docs_redirect)),
        Route(f"{DOCS_PATH}/", read_only(docs_page)),
        Mount(f"{DOCS_PATH}/static", StaticFiles(directory=swagger_ui_bundle.swagger_ui_path)),
    ]
