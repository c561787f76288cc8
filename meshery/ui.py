"""Serving a Meshery UI static export (``MESHERY_UI_PATH``) at ``/``, as upstream's ``ServeUI``.

A Next.js static export is a folder of pages (``x.html`` or ``x/index.html``), assets
(``_next/``, images) and ``index.html``. A GET or HEAD that no route of this server
answers is served from that folder with Next.js export routing: the file itself, else
``<path>.html``, else ``<path>/index.html``, else ``index.html`` (client-side routing takes
over there). Everything the API serves keeps priority: ``/api/...``, ``/healthz/...``
and every path of a GET operation of the spec, except ``/`` itself, which becomes the UI.

As upstream, ``/_next/...`` and ``/favicon.ico`` are served without a session (Next.js
fetches them during client-side navigation, where a redirect cannot be followed); every
other file needs the provider's session, and a request without one is redirected to the
login page (``meshery.session.login_redirect``). The local provider always has a session.
"""

from __future__ import annotations

from pathlib import Path

from starlette.requests import HTTPConnection
from starlette.responses import FileResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from generated import errors as catalog
from meshery import context, dispatch, errors, session

RESERVED = ("/api/", "/healthz/")
PUBLIC = ("/_next/", "/favicon.ico")
INDEX = "index.html"


def lookup(root: Path, path: str) -> Path | None:
    """The file of the export answering ``path``, or None (never a file outside ``root``)."""
    segments = [s for s in path.split("/") if s]
    if any(s in (".", "..") or "\\" in s or "\x00" in s for s in segments):
        return None
    base = root.joinpath(*segments) if segments else root
    if not segments or path.endswith("/"):
        candidates = [base / INDEX]
    else:
        candidates = [base, base.with_name(base.name + ".html"), base / INDEX]
    for candidate in candidates:
        try:
            resolved = candidate.resolve()
            if resolved.is_file() and root in resolved.parents:
                return resolved
        except (OSError, ValueError):  # a name too long for the file system, and the like
            continue
    return None


def _not_found(path: str) -> Response:
    body, headers = errors.body_and_headers(catalog.ErrUiFileNotFound(f"{path} (MESHERY_UI_PATH)"))
    return Response(body, status_code=404, media_type=errors.CONTENT_TYPE, headers=headers)


class UIFiles:
    """ASGI middleware in front of the app: serves the export where the server has no route."""

    def __init__(self, app: ASGIApp, *, root: Path, table: dispatch.Table, state: context.AppState) -> None:
        self.app = app
        self.root = root.expanduser().resolve()
        self.table = table
        self.state = state

    def _api_route(self, scope: Scope) -> bool:
        path: str = scope["path"]
        if path == "/":
            return False
        if path == "/api" or path.startswith(RESERVED):
            return True
        return self.table.match({**scope, "method": "GET"}) is not None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("GET", "HEAD") or self._api_route(scope):
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        public = path.startswith(PUBLIC)
        if not public:
            services = self.state.services
            if services is None:  # still starting: the app answers (503/404) as without a UI
                await self.app(scope, receive, send)
                return
            conn = HTTPConnection(scope)
            try:
                await session.build_context(conn, services=services, providers=self.state.providers, required=True)
            except catalog.ErrUnauthenticated:
                await RedirectResponse(session.login_redirect(conn), status_code=302)(scope, receive, send)
                return
        found = lookup(self.root, path)
        if found is None and not public:
            found = lookup(self.root, "/")
        response = FileResponse(found) if found is not None else _not_found(path)
        await response(scope, receive, send)
