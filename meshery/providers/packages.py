"""A remote provider's extension package: downloaded once and unpacked where upstream keeps it.

The provider names its package in its capabilities (``packageUrl``, ``packageVersion``); upstream
untars it into ``~/.meshery/provider/<providerName>/<packageVersion>`` unless that folder exists
or ``SKIP_DOWNLOAD_EXTENSIONS`` is set. Here the download happens on the first request for a
package file, once per provider and version (concurrent requests wait for it), through the
server's one URL fetcher (``meshery.fetch``: address policy, total deadline, size limit, spooled
to a temporary file); members that would land outside the folder (absolute paths, ``..``, links)
are refused by the archive's data filter, and the folder appears whole or not at all.
"""

from __future__ import annotations

import asyncio
import logging
import shutil
import tarfile
import tempfile
from pathlib import Path
from typing import IO

from meshery import fetch as fetcher

log = logging.getLogger(__name__)

DEADLINE = 60.0
MAX_PACKAGE = 200 * 1024 * 1024
_locks: dict[Path, asyncio.Lock] = {}


async def _download(url: str) -> IO[bytes] | None:
    """The package through the server's one fetcher, spooled to a temporary file (caller closes)."""
    try:
        reply = await fetcher.download(url, limit=MAX_PACKAGE, deadline=DEADLINE)
    except fetcher.FetchError as exc:
        log.warning("extension package %s not downloaded: %s", fetcher.shown(url), exc.reason)
        return None
    return reply.file


def _unpack(data: IO[bytes], folder: Path) -> bool:
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".package-", dir=folder.parent))
    try:
        with tarfile.open(fileobj=data, mode="r:*") as archive:
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
        try:
            ok = await asyncio.to_thread(_unpack, data, folder)
        finally:
            data.close()
        if ok:
            log.info("extension package %s unpacked into %s", package_url, folder)
        return ok
