"""/api/system/fileDownload, /api/system/fileView (data folder only) and /api/extension/version."""

from __future__ import annotations

import httpx

from handlers.system import LOCAL_EXTENSION_NOTICE
from meshery.config import Settings


def _seed(settings: Settings) -> None:
    folder = settings.user_data_folder
    (folder / "logs").mkdir(parents=True, exist_ok=True)
    (folder / "logs" / "server.log").write_text("line one\nline two\n")
    (folder.parent / "outside.txt").write_text("not yours")


async def test_download_and_view_a_data_file(client: httpx.AsyncClient, settings: Settings) -> None:
    _seed(settings)
    download = await client.get("/api/system/fileDownload", params={"file": "logs/server.log"})
    assert download.status_code == 200
    assert download.content == b"line one\nline two\n"
    assert download.headers["content-type"] == "application/octet-stream"
    assert download.headers["content-disposition"] == 'attachment; filename="server.log"'
    absolute = str(settings.user_data_folder / "logs" / "server.log")
    view = await client.get("/api/system/fileView", params={"file": absolute})
    assert view.status_code == 200
    assert view.text == "line one\nline two\n"
    assert view.headers["content-type"].startswith("text/plain")


async def test_paths_outside_the_data_folder_are_refused(client: httpx.AsyncClient, settings: Settings) -> None:
    _seed(settings)
    outside = settings.user_data_folder.parent / "outside.txt"
    (settings.user_data_folder / "escape").symlink_to(outside)
    for name in ("../outside.txt", str(outside), "logs/../../outside.txt", "escape", "/etc/passwd"):
        for route in ("/api/system/fileDownload", "/api/system/fileView"):
            response = await client.get(route, params={"file": name})
            assert response.status_code == 403, (route, name)
            assert response.json()["code"] == "meshery-server-1761"
            assert "not yours" not in response.text


async def test_database_and_keys_are_never_served(client: httpx.AsyncClient, settings: Settings) -> None:
    for name in ("mesherydb.sqlite3", "credentials.key"):
        if not (settings.user_data_folder / name).exists():
            (settings.user_data_folder / name).write_text("secret")
        response = await client.get("/api/system/fileDownload", params={"file": name})
        assert response.status_code == 403, name
        assert response.json()["code"] == "meshery-server-1761"


async def test_missing_files_and_bad_input(client: httpx.AsyncClient, settings: Settings) -> None:
    _seed(settings)
    for name in ("logs/none.log", "logs"):
        response = await client.get("/api/system/fileView", params={"file": name})
        assert response.status_code == 404, name
        assert response.json()["code"] == "meshery-server-1762"
    missing = await client.get("/api/system/fileDownload")
    assert missing.status_code == 400
    empty = await client.get("/api/system/fileDownload", params={"file": ""})
    assert empty.status_code == 400


async def test_extension_version_with_the_local_provider(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/extension/version")
    assert response.status_code == 200
    assert response.json() == LOCAL_EXTENSION_NOTICE
