"""``POST /api/meshmodels/register``: import model packages uploaded, downloaded or posted as JSON.

An upload is a definition file (JSON/YAML, a model possibly carrying its
``components`` and ``relationships`` inline) or an archive that may hold
many packages (a whole models directory); archive members are grouped into
packages by the directory of their model file.
"""

from __future__ import annotations

import base64
import binascii
import logging
import posixpath
from collections.abc import Callable
from typing import IO, Any
from urllib.parse import urlsplit

from generated import errors
from meshery import fetch as fetcher
from meshery import safe_load
from meshery.context import Services
from meshery.registry import importer, prepare, service, sources
from meshery.registry.parse import Parsed, parse_documents, parse_files
from meshery.store import registry as store_registry

FETCH_TIMEOUT = 20.0

log = logging.getLogger(__name__)


def _group(files: list[sources.RawFile]) -> list[list[sources.RawFile]]:
    """Archive members by package: each model file's directory and what lies below it."""

    def directory(name: str) -> str:
        return posixpath.dirname(name.replace("!", "/"))

    roots = sorted(
        {directory(f.name) for f in files if posixpath.basename(f.name).lower() in sources.MODEL_FILES},
        key=len,
        reverse=True,
    )
    groups: dict[str, list[sources.RawFile]] = {}
    for file in files:
        where = directory(file.name)
        owner = next((r for r in roots if where == r or where.startswith(r + "/") or r == ""), "")
        groups.setdefault(owner, []).append(file)
    return list(groups.values())


def _inline(parsed: Parsed) -> Parsed:
    """A model document carrying its components/relationships inline, split into entities."""
    if len(parsed.models) != 1:
        return parsed
    name, model = parsed.models[0]
    docs: list[Any] = [{k: v for k, v in model.items() if k not in ("components", "relationships")}]
    inline = [d for key in ("components", "relationships") for d in (model.get(key) or []) if isinstance(d, dict)]
    if not inline:
        return parsed
    for doc in inline:
        if "schemaVersion" not in doc:
            doc["schemaVersion"] = (
                "components.meshery.io/v1beta1" if "component" in doc else "relationships.meshery.io/v1alpha3"
            )
    merged = parse_documents(name, docs + inline)
    merged.components += parsed.components
    merged.relationships += parsed.relationships
    merged.problems = parsed.problems + merged.problems
    return merged


Data = bytes | IO[bytes]


async def _payload(
    body: dict[str, Any] | None, upload: Any, limit: int
) -> tuple[str, Data | None, Any, Callable[[], None]]:
    """(file name, bytes or a file, or a decoded JSON model, and what closes the file) of the request."""
    if upload is not None and hasattr(upload, "read"):
        return await _uploaded(upload, limit)
    if not isinstance(body, dict):
        raise errors.ErrRegistryRequestInvalid("send a file (multipart field `file`) or an ImportRequest JSON body")
    import_body = body.get("importBody") or {}
    # What the body carries decides (uploadType is informative; upstream clients set it inconsistently).
    if isinstance(import_body.get("model"), dict):
        return "model.json", None, import_body["model"], _nothing
    if import_body.get("url"):
        return await _fetch(str(import_body["url"]), limit)
    if import_body.get("modelFile"):
        try:
            data = base64.b64decode(import_body["modelFile"], validate=True)
        except (binascii.Error, ValueError):
            data = str(import_body["modelFile"]).encode()
        if len(data) > limit:
            raise errors.ErrRegistryFileTooLarge(f"modelFile has {len(data)} bytes (limit {limit})")
        return str(import_body.get("fileName") or "model.json"), data, None, _nothing
    raise errors.ErrRegistryRequestInvalid("importBody needs modelFile, url or model")


def _nothing() -> None:
    return None


async def _uploaded(upload: Any, limit: int) -> tuple[str, Data, None, Callable[[], None]]:
    """A multipart file part within ``limit`` bytes: its spooled file when the request layer kept one
    (read from there, never copied whole into memory), else its bytes read up to the limit."""
    name = str(getattr(upload, "filename", None) or "upload")
    size = getattr(upload, "size", None)
    spooled = getattr(upload, "file", None)
    if isinstance(size, int) and spooled is not None and hasattr(spooled, "seek"):
        if size > limit:
            await upload.close()
            raise errors.ErrRegistryFileTooLarge(f"the upload has {size} bytes (limit {limit})")
        spooled.seek(0)
        return name, spooled, None, spooled.close
    try:
        data = await upload.read(limit + 1)
    finally:
        await upload.close()
    if len(data) > limit:
        raise errors.ErrRegistryFileTooLarge(f"the upload has more than {limit} bytes")
    return name, data, None, _nothing


async def _fetch(url: str, limit: int) -> tuple[str, Data, None, Callable[[], None]]:
    """The URL's body through the one fetcher, spooled to a temporary file past a small size."""
    shown = fetcher.shown(url)
    try:
        reply = await fetcher.download(url, limit=limit, deadline=FETCH_TIMEOUT)
    except fetcher.FetchError as exc:
        log.info("registry source %s not fetched: %s", shown, exc.reason)
        if exc.too_large:
            raise errors.ErrRegistryFileTooLarge(f"{shown} sends more than {limit} bytes") from None
        raise errors.ErrRegistryFetchFailed(f"{shown} {fetcher.NOT_FETCHED}") from None
    assert reply.file is not None
    name = posixpath.basename(urlsplit(url).path) or "download"
    return name, reply.file, None, reply.close


def _size(data: Data) -> int:
    if isinstance(data, bytes):
        return len(data)
    data.seek(0, 2)
    size = data.tell()
    data.seek(0)
    return size


def _packages(name: str, data: Data | None, model: Any) -> list[Parsed]:
    if model is not None:
        return [_inline(parse_documents(name, [model]))]
    assert data is not None
    if sources.is_archive(name):
        files, problems = sources.read_archive_bytes(name, data)
        if not files and problems:
            code = errors.ErrRegistryFileTooLarge if problems[0].reason == "too-large" else errors.ErrRegistryBadArchive
            raise code(f"{problems[0].name}: {problems[0].detail}")
        groups = _group(files) or [[]]
        parsed = [parse_files(group) for group in groups]
        parsed[0].problems[:0] = parse_files([], problems).problems
        return [_inline(p) for p in parsed]
    size = _size(data)
    if size > sources.MAX_FILE_BYTES:
        raise errors.ErrRegistryFileTooLarge(f"{size} bytes (limit {sources.MAX_FILE_BYTES})")
    if not isinstance(data, bytes):
        data = data.read()
    if not name.lower().endswith(sources.ENTITY_SUFFIXES):
        name += ".json" if data.lstrip()[:1] in (b"{", b"[") else ".yaml"
    return [_inline(parse_files([sources.RawFile(name, data)]))]


async def register_upload(services: Services, *, body: dict[str, Any] | None, upload: Any) -> dict[str, Any]:
    report = importer.Report()
    close = _nothing
    try:
        name, data, model, close = await _payload(body, upload, services.settings.registry_upload_max_bytes)
        packages = await safe_load.off_loop(
            lambda: _packages(name, data, model), what="model package", seconds=safe_load.ARCHIVE_SECONDS
        )
    except (errors.ErrRegistryFetchFailed, errors.ErrRegistryFileTooLarge, errors.ErrRegistryBadArchive) as exc:
        # The request was well formed; what it pointed at was not usable: reported like a bad package.
        problem = {"code": exc.code, "file": "request", "message": exc.message, "package": "upload"}
        return {
            "message": "0 of 1 packages imported",
            "packages": 1,
            "imported": 0,
            "failed": 1,
            "components": 0,
            "relationships": 0,
            "models": [],
            "errors": [problem],
        }
    finally:
        close()
    names: list[str] = []
    model_ids: list[str] = []
    for parsed in packages:
        report.packages += 1
        prepared = prepare.register_parsed(parsed, origin=name)
        outcome, rows, problems = await importer.store_prepared(services.store, prepared)
        if prepared.facts is not None:
            names.append(prepared.facts.name)
        if outcome == "imported" and rows is not None:
            report.imported += 1
            report.components += len(rows.components)
            report.relationships += len(rows.relationships)
            model_ids.append(rows.model["id"])
        elif outcome == "failed":
            report.failed += 1
        else:
            report.ignored += 1
        report.problems += [{**p.as_dict(), "package": prepared.location} for p in problems]
    await store_registry.refresh_latest(services.store, names)
    await service.announce(services, report)
    return {
        "message": f"{report.imported} of {report.packages} packages imported",
        "packages": report.packages,
        "imported": report.imported,
        "failed": report.failed,
        "components": report.components,
        "relationships": report.relationships,
        "models": model_ids,
        "errors": report.problems,
    }
