"""Extension package download and unpacking: once, whole or not at all, never outside its folder."""

from __future__ import annotations

import http.server
import io
import os
import tarfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import pytest

from meshery.providers import packages


def _tar(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, data in files.items():
            member = tarfile.TarInfo(name)
            member.size = len(data)
            archive.addfile(member, io.BytesIO(data))
    return buffer.getvalue()


class _Packages(http.server.BaseHTTPRequestHandler):
    bodies: ClassVar[dict[str, bytes]] = {}
    hits: ClassVar[list[str]] = []

    def log_message(self, *_args: object) -> None:
        return None

    def do_GET(self) -> None:
        self.hits.append(self.path)
        body = self.bodies.get(self.path)
        self.send_response(200 if body is not None else 404)
        self.send_header("Content-Length", str(len(body or b"")))
        self.end_headers()
        self.wfile.write(body or b"")


@pytest.fixture
def server() -> Iterator[str]:
    _Packages.bodies = {
        "/good.tar.gz": _tar({"ui/index.js": b"1"}),
        "/evil.tar.gz": _tar({"ui/index.js": b"1", "../escaped.txt": b"x"}),
        "/junk.tar.gz": b"not a tar",
    }
    _Packages.hits = []
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Packages)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join()


async def test_downloaded_once_and_unpacked(server: str, tmp_path: Path) -> None:
    folder = tmp_path / "provider" / "P" / "v1"
    assert await packages.ensure(folder, f"{server}/good.tar.gz", skip=False)
    assert (folder / "ui" / "index.js").read_bytes() == b"1"
    assert await packages.ensure(folder, f"{server}/good.tar.gz", skip=False)
    assert _Packages.hits == ["/good.tar.gz"]


async def test_refused_packages_leave_nothing(server: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("evil", "junk", "missing"):
        folder = tmp_path / name
        assert not await packages.ensure(folder, f"{server}/{name}.tar.gz", skip=False)
        assert not folder.exists()
    assert not (tmp_path.parent / "escaped.txt").exists()
    assert not any(os.scandir(tmp_path))  # no staging folder left behind
    assert not await packages.ensure(tmp_path / "s", f"{server}/good.tar.gz", skip=True)
    assert not await packages.ensure(tmp_path / "f", "file:///etc/passwd", skip=False)
    monkeypatch.setattr(packages, "MAX_PACKAGE", 10)
    assert not await packages.ensure(tmp_path / "big", f"{server}/good.tar.gz", skip=False)
