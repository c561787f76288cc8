"""A remote provider's extension package: downloaded once and unpacked where upstream keeps it.

The provider names its package in its capabilities (``packageUrl``, ``packageVersion``); upstream
untars it into ``~/.meshery/provider/<providerName>/<packageVersion>`` unless that folder exists
or ``SKIP_DOWNLOAD_EXTENSIONS`` is set. Here the download happens on the first request for a
package file, once per provider and version (concurrent requests wait for it), with a deadline
and a size limit; members that would land outside the folder (absolute paths, ``..``, links)
are refused by the archive's data filter, and the folder appears whole or not at all.
"""

from __future__ import annotations

import asyncio
import io
import logging
import shutil
import tarfile
import tempfile
from pathlib import Path

import httpx

log = logging.getLogger(__name__)

DEADLINE = 60.0
MAX_PACKAGE = 200 * 1024 * 1024
_locks: dict[Path, asyncio.Lock] = {}


async def _download(url: str) -> bytes | None:
    chunks: list[bytes] = []
    size = 0
    try:
        async with (
            asyncio.timeout(DEADLINE),
            httpx.AsyncClient(follow_redirects=True, max_redirects=5, timeout=DEADLINE) as client,
            client.stream("GET", url) as response,
        ):
            if response.status_code != 200:
                log.warning("extension package %s answered %d", url, response.status_code)
                return None
            async for chunk in response.aiter_bytes():
                size += len(chunk)
                if size > MAX_PACKAGE:
                    log.warning("extension package %s is larger than %d bytes", url, MAX_PACKAGE)
                    return None
                chunks.append(chunk)
    except (TimeoutError, httpx.HTTPError, httpx.InvalidURL, ValueError) as exc:
        log.warning("extension package %s not downloaded: %s", url, type(exc).__name__)
        return None
    return b"".join(chunks)


def _unpack(data: bytes, folder: Path) -> bool:
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".package-", dir=folder.parent))
    try:
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:*") as archive:
            archive.extractall(staging, filter="data")
        staging.rename(folder)
    except (tarfile.TarError, OSError) as exc:
        log.warning("extension package for %s not unpacked: %s", folder, exc)
        shutil.rmtree(staging, ignore_errors=True)
        return False
    return True


async def ensure(folder: Path, package_url: str, *, skip: bool) -> bool:
    """True when the package folder exists now (downloading and unpacking it if needed)."""
    if await asyncio.to_thread(folder.is_dir):
        return True
    if skip or not package_url.startswith(("http://", "https://")):
        return False
    lock = _locks.setdefault(folder, asyncio.Lock())
    async with lock:
        if await asyncio.to_thread(folder.is_dir):
            return True
        data = await _download(package_url)
        if data is None:
            return False
        ok = await asyncio.to_thread(_unpack, data, folder)
        if ok:
            log.info("extension package %s unpacked into %s", package_url, folder)
        return ok
