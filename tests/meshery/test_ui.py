"""MESHERY_UI_PATH: a UI static export served at / with Next.js export routing, behind the session."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette

from meshery import ui
from meshery.app import create_app
from meshery.config import ConfigError, Settings
from tests.fixtures.app import app_settings, settle
from tests.fixtures.server import free_port


def write_export(root: Path) -> Path:
    """A small export as `next build && next export` lays it out."""
    files = {
        "index.html": "<html>home</html>",
        "settings.html": "<html>settings</html>",
        "management/connections/index.html": "<html>connections</html>",
        "_next/static/chunks/main.js": "console.log(1)",
        "static/img/logo.svg": "<svg/>",
        "favicon.ico": "icon",
    }
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    (root.parent / "secret.txt").write_text("outside")
    return root


@pytest.fixture
def export(tmp_path: Path) -> Path:
    return write_export(tmp_path / "ui" / "out")


async def _client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    application: Starlette = create_app(settings)
    async with application.router.lifespan_context(application):
        await settle(application)
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            yield http


@pytest.fixture
async def local(tmp_path: Path, export: Path) -> AsyncIterator[httpx.AsyncClient]:
    async for http in _client(app_settings(user_data_folder=tmp_path / "data", ui_path=export)):
        yield http


@pytest.fixture
async def remote(tmp_path: Path, export: Path) -> AsyncIterator[httpx.AsyncClient]:
    # A remote provider that is not running: no provider chosen, so no session.
    settings = app_settings(
        user_data_folder=tmp_path / "data", ui_path=export, provider_base_urls=(f"http://127.0.0.1:{free_port()}",)
    )
    async for http in _client(settings):
        yield http


async def test_next_export_routing(local: httpx.AsyncClient) -> None:
    assert (await local.get("/")).text == "<html>home</html>"
    assert (await local.get("/settings")).text == "<html>settings</html>"
    assert (await local.get("/settings.html")).text == "<html>settings</html>"
    assert (await local.get("/management/connections")).text == "<html>connections</html>"
    assert (await local.get("/management/connections/")).text == "<html>connections</html>"
    script = await local.get("/_next/static/chunks/main.js")
    assert script.text == "console.log(1)" and "javascript" in script.headers["content-type"]
    assert (await local.get("/static/img/logo.svg")).headers["content-type"].startswith("image/svg")
    # Client-side routes the export has no page for get the app shell.
    fallback = await local.get("/extension/meshmap")
    assert (fallback.status_code, fallback.text) == (200, "<html>home</html>")
    head = await local.head("/settings")
    assert head.status_code == 200 and head.content == b""


async def test_api_routes_keep_priority(local: httpx.AsyncClient) -> None:
    version = await local.get("/api/system/version")
    assert version.status_code == 200 and "build" in version.json()
    assert (await local.get("/healthz/live")).text == "ok"
    missing = await local.get("/api/no/such/route")
    assert missing.status_code == 404 and missing.json()["code"].startswith("meshery-server-")
    assert "<html>home</html>" not in (await local.get("/provider")).text  # the chooser stays the server's
    # POST is never the UI.
    assert (await local.post("/settings")).status_code in (404, 405)


async def test_no_way_out_of_the_export(local: httpx.AsyncClient) -> None:
    for path in ("/../secret.txt", "/%2e%2e/secret.txt", "/static/..%2f..%2fsecret.txt"):
        response = await local.get(path)
        assert "outside" not in response.text, path
    missing = await local.get("/_next/static/none.js")
    assert missing.status_code == 404
    assert missing.json()["code"] == "meshery-server-1766"


async def test_without_a_session_pages_redirect_to_login(remote: httpx.AsyncClient) -> None:
    page = await remote.get("/settings")
    assert page.status_code == 302
    assert page.headers["location"] == "/provider"
    chosen = await remote.get("/settings", headers={"Cookie": "meshery-provider=Somewhere"})
    assert chosen.status_code == 302 and chosen.headers["location"].startswith("/auth/login?ref=")
    # Next.js assets are public, as upstream serves /_next without the auth middleware.
    assert (await remote.get("/_next/static/chunks/main.js")).status_code == 200
    assert (await remote.get("/favicon.ico")).text == "icon"


def test_lookup_never_leaves_the_root(export: Path) -> None:
    root = export.resolve()
    assert ui.lookup(root, "/") == root / "index.html"
    assert ui.lookup(root, "/settings") == root / "settings.html"
    assert ui.lookup(root, "/../secret.txt") is None
    assert ui.lookup(root, "/nothing") is None
    (export / "link.html").symlink_to(export.parent / "secret.txt")
    assert ui.lookup(root, "/link") is None


def test_setting_must_be_a_folder(tmp_path: Path, export: Path) -> None:
    assert Settings.from_env({"MESHERY_UI_PATH": str(export)}).ui_path == export
    with pytest.raises(ConfigError, match="MESHERY_UI_PATH"):
        Settings.from_env({"MESHERY_UI_PATH": str(tmp_path / "none")})
    assert Settings.from_env({}).ui_path is None
