"""What an import or a source-type save brings: the bytes (upload, base64, data URL or URL) and their type.

URLs go through ``meshery.fetch`` (http(s) only, address policy, total deadline, streamed size
limit); every failure is a catalogued 4xx naming only the URL, never a 500.
"""

from __future__ import annotations

import base64
import binascii
import logging
import posixpath
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

from generated import errors
from meshery import fetch as fetcher
from meshery.designs import importers
from meshery.designs.document import MAX_DESIGN_BYTES

FETCH_TIMEOUT = 15.0
MAX_SOURCE_BYTES = MAX_DESIGN_BYTES
MAX_REDIRECTS = 5

log = logging.getLogger(__name__)

DESIGN, MANIFEST, HELM, COMPOSE = importers.SOURCE_TYPES
TYPES: dict[str, tuple[str, ...]] = {
    DESIGN: (".yml", ".yaml", ".json"),
    MANIFEST: (".yml", ".yaml", ".json"),
    HELM: (".tgz", ".tar.gz"),
    COMPOSE: (".yml", ".yaml"),
}
_DATA_URL = re.compile(r"^data:[^,]*?(?:;name=(?P<name>[^;,]*))?[^,]*?;base64,", re.IGNORECASE)


def source_type(value: str | None) -> str | None:
    """The canonical source type of a name or alias (None for "detect"); a 4xx for unknown ones."""
    if value is None or not value.strip():
        return None
    return importers.source_type_of(value)


@dataclass(frozen=True)
class Source:
    data: bytes
    filename: str | None


def decode_file(value: str, filename: str | None = None) -> Source:
    """Base64 text or a data URL (what the UI's file widget sends); plain text is taken as is."""
    match = _DATA_URL.match(value)
    if match:
        name = unquote(match.group("name") or "") or filename
        payload = value[match.end() :]
    else:
        name, payload = filename, value
    try:
        data = base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError):
        if match:
            raise errors.ErrDesignBodyInvalid("the data URL in `file` is not valid base64") from None
        data = value.encode()
    return Source(_bounded(data), name)


async def read_upload(upload: Any) -> Source:
    """A multipart file part, read up to the size limit."""
    try:
        data = await upload.read(MAX_SOURCE_BYTES + 1) if hasattr(upload, "read") else upload
    finally:
        if hasattr(upload, "close"):
            await upload.close()
    if isinstance(data, str):
        data = data.encode()
    if not isinstance(data, bytes):
        raise errors.ErrDesignBodyInvalid("the `file` part is not a file")
    return Source(_bounded(data), getattr(upload, "filename", None))


async def fetch(url: str) -> Source:
    """The body of an http(s) URL, through the server's one fetcher (address policy, total
    deadline, streamed size limit); every failure but "too large" is one uniform 4xx."""
    shown = fetcher.shown(url)
    try:
        reply = await fetcher.request(url, limit=MAX_SOURCE_BYTES, deadline=FETCH_TIMEOUT, redirects=MAX_REDIRECTS)
    except fetcher.FetchError as exc:
        log.info("design source %s not fetched: %s", shown, exc.reason)
        if exc.too_large:
            raise errors.ErrDesignTooLarge(f"{shown} sends more than {MAX_SOURCE_BYTES} bytes") from None
        raise errors.ErrDesignFetchFailed(f"{shown} {fetcher.NOT_FETCHED}") from None
    name = posixpath.basename(unquote(urlsplit(url).path)) or None
    return Source(reply.content, name)


def _bounded(data: bytes) -> bytes:
    if len(data) > MAX_SOURCE_BYTES:
        raise errors.ErrDesignTooLarge(f"the file has {len(data)} bytes; the limit is {MAX_SOURCE_BYTES}")
    if not data.strip():
        raise errors.ErrDesignBodyInvalid("the file is empty")
    return data
