"""What an import or a source-type save brings: the bytes (upload, base64, data URL or URL) and their type.

URLs are fetched over http(s) only, streamed with a size limit and a timeout; every failure is
a catalogued 4xx naming the URL, never a 500.
"""

from __future__ import annotations

import base64
import binascii
import posixpath
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

import httpx

from generated import errors
from meshery.designs import importers
from meshery.designs.document import MAX_DESIGN_BYTES

FETCH_TIMEOUT = 15.0
MAX_SOURCE_BYTES = MAX_DESIGN_BYTES
MAX_REDIRECTS = 5

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
    """The body of an http(s) URL, streamed within the size limit and the timeout."""
    shown = url[:200]
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise errors.ErrDesignFetchFailed(f"{shown!r} is not an http(s) URL")
    chunks: list[bytes] = []
    size = 0
    try:
        async with (
            httpx.AsyncClient(timeout=FETCH_TIMEOUT, follow_redirects=True, max_redirects=MAX_REDIRECTS) as client,
            client.stream("GET", url) as response,
        ):
            if response.status_code != 200:
                raise errors.ErrDesignFetchFailed(f"{shown} answered HTTP {response.status_code}")
            declared = response.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > MAX_SOURCE_BYTES:
                raise errors.ErrDesignTooLarge(f"{shown} sends {declared} bytes; the limit is {MAX_SOURCE_BYTES}")
            async for chunk in response.aiter_bytes():
                size += len(chunk)
                if size > MAX_SOURCE_BYTES:
                    raise errors.ErrDesignTooLarge(f"{shown} sends more than {MAX_SOURCE_BYTES} bytes")
                chunks.append(chunk)
    except httpx.TimeoutException:
        raise errors.ErrDesignFetchFailed(f"{shown} did not answer within {FETCH_TIMEOUT:g} s") from None
    except (httpx.HTTPError, httpx.InvalidURL, UnicodeError, ValueError) as exc:
        raise errors.ErrDesignFetchFailed(f"{type(exc).__name__} fetching {shown}") from None
    name = posixpath.basename(unquote(parts.path)) or None
    return Source(b"".join(chunks), name)


def _bounded(data: bytes) -> bytes:
    if len(data) > MAX_SOURCE_BYTES:
        raise errors.ErrDesignTooLarge(f"the file has {len(data)} bytes; the limit is {MAX_SOURCE_BYTES}")
    if not data.strip():
        raise errors.ErrDesignBodyInvalid("the file is empty")
    return data
