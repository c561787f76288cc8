"""What a save request brings: the module (base64, byte array, multipart part or URL) and the fields around it.

Upstream's ``MesheryFilterRequestBody`` is read in both casings the clients send
(``filter_data``/``filterData``, ``filter_file``/``filterFile``, ``catalog_data``/``catalogData``).
A URL goes through the server's one fetcher (``meshery.fetch``: http(s) only, address policy,
total deadline, streamed size limit); every failure is a catalogued 4xx.
"""

from __future__ import annotations

import logging
import posixpath
from collections.abc import Mapping
from typing import Any
from urllib.parse import unquote, urlsplit

from generated import errors
from meshery import fetch as fetcher
from meshery.context import Services
from meshery.filters import service, wasm

FETCH_TIMEOUT = 15.0
MAX_REDIRECTS = 5

log = logging.getLogger(__name__)


def _first(data: Mapping[str, Any], *keys: str) -> Any:
    for key in keys:
        if data.get(key) not in (None, ""):
            return data[key]
    return None


def _text(value: Any, what: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise errors.ErrFilterBodyInvalid(f"{what} must be text")
    return value


def _mapping(value: Any, what: str) -> dict[str, Any] | None:
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise errors.ErrFilterBodyInvalid(f"{what} must be an object")
    return dict(value)


async def fetch(url: str, *, limit: int) -> bytes:
    """The module at an http(s) URL, fetched through the server's one fetcher."""
    shown = fetcher.shown(url)
    try:
        reply = await fetcher.request(url, limit=limit, deadline=FETCH_TIMEOUT, redirects=MAX_REDIRECTS)
    except fetcher.FetchError as exc:
        log.info("filter module %s not fetched: %s", shown, exc.reason)
        if exc.too_large:
            raise errors.ErrFilterTooLarge(f"{shown} sends more than {limit} bytes") from None
        raise errors.ErrFilterFetchFailed(f"{shown} {fetcher.NOT_FETCHED}") from None
    return reply.content


def _saves(value: Any) -> bool:
    """Whether the request asks to store the filter: anything but an explicit false (absent: store)."""
    return not (value is False or (isinstance(value, str) and value.strip().lower() in ("false", "0", "off", "no")))


def _url_location(url: str) -> dict[str, Any]:
    parts = urlsplit(url)
    return {"branch": "", "host": parts.netloc, "path": parts.path, "type": "url"}


def _url_name(url: str) -> str | None:
    base = posixpath.basename(unquote(urlsplit(url).path))
    return base.removesuffix(".wasm") or None


async def draft_of(services: Services, body: Mapping[str, Any]) -> tuple[service.Draft, bool]:
    """The draft of a JSON save request and its ``save`` flag (absent means save)."""
    limit = services.settings.filter_max_bytes
    data = _mapping(_first(body, "filter_data", "filterData"), "filter_data") or {}
    config = _text(_first(data, "config") or body.get("config"), "config")
    draft = service.Draft(
        name=_text(_first(data, "name") or body.get("name"), "name"),
        config=config,
        filter_id=_text(_first(data, "id"), "filter_data.id"),
        visibility=_text(_first(data, "visibility"), "visibility"),
        catalog_data=_mapping(_first(data, "catalog_data", "catalogData"), "catalog_data"),
        location=_mapping(_first(data, "location"), "location"),
    )
    module = _first(data, "filter_file", "filterFile")
    url = _text(body.get("url"), "url")
    if module is not None:
        draft.module = wasm.decode(module, limit=limit)
    elif url:
        draft.module = await fetch(url, limit=limit)
        draft.location = draft.location or _url_location(url)
        draft.name = draft.name or _url_name(url)
    elif not draft.filter_id:
        raise errors.ErrFilterBodyInvalid("give the module in filter_data.filter_file, or its url")
    return draft, _saves(body.get("save"))


async def draft_of_upload(services: Services, form: Mapping[str, Any], upload: Any) -> tuple[service.Draft, bool]:
    """The draft of a multipart save (part ``file``; fields ``name``, ``config``, ``save``)."""
    limit = services.settings.filter_max_bytes
    if upload is None:
        return await draft_of(services, form)
    data = await upload.read(limit + 1) if hasattr(upload, "read") else upload
    if isinstance(data, str):
        data = data.encode()
    if not isinstance(data, bytes):
        raise errors.ErrFilterBodyInvalid("the `file` part is not a file")
    if len(data) > limit:
        raise errors.ErrFilterTooLarge(f"the module has more than {limit} bytes")
    filename = getattr(upload, "filename", None) or ""
    draft = service.Draft(
        name=_text(form.get("name"), "name") or posixpath.basename(filename).removesuffix(".wasm") or None,
        config=_text(form.get("config"), "config"),
        module=data,
    )
    return draft, _saves(form.get("save"))
