"""``POST /api/meshmodels/register``: import model packages uploaded, downloaded or posted as JSON.

An upload is a definition file (JSON/YAML, a model possibly carrying its
``components`` and ``relationships`` inline) or an archive that may hold
many packages (a whole models directory); archive members are grouped into
packages by the directory of their model file.
"""

from __future__ import annotations

import base64
import binascii
import posixpath
from typing import Any

import httpx

from generated import errors
from meshery import safe_load
from meshery.context import Services
from meshery.registry import importer, prepare, service, sources
from meshery.registry.parse import Parsed, parse_documents, parse_files
from meshery.store import registry as store_registry

FETCH_TIMEOUT = 20.0


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


async def _payload(body: dict[str, Any] | None, upload: Any) -> tuple[str, bytes | None, Any]:
    """(file name, bytes, or a decoded JSON model) of the request."""
    if upload is not None and hasattr(upload, "read"):
        try:
            data = await upload.read()
        finally:
            await upload.close()
        return str(getattr(upload, "filename", None) or "upload"), data, None
    if not isinstance(body, dict):
        raise errors.ErrRegistryRequestInvalid("send a file (multipart field `file`) or an ImportRequest JSON body")
    import_body = body.get("importBody") or {}
    # What the body carries decides (uploadType is informative; upstream clients set it inconsistently).
    if isinstance(import_body.get("model"), dict):
        return "model.json", None, import_body["model"]
    if import_body.get("url"):
        return await _fetch(str(import_body["url"]))
    if import_body.get("modelFile"):
        try:
            data = base64.b64decode(import_body["modelFile"], validate=True)
        except (binascii.Error, ValueError):
            data = str(import_body["modelFile"]).encode()
        return str(import_body.get("fileName") or "model.json"), data, None
    raise errors.ErrRegistryRequestInvalid("importBody needs modelFile, url or model")


async def _fetch(url: str) -> tuple[str, bytes, None]:
    if not url.startswith(("http://", "https://")):
        raise errors.ErrRegistryFetchFailed(f"{url[:100]!r} is not an http(s) URL")
    try:
        async with httpx.AsyncClient(timeout=FETCH_TIMEOUT, follow_redirects=True) as client:
            response = await client.get(url)
    except httpx.HTTPError as exc:
        raise errors.ErrRegistryFetchFailed(f"{type(exc).__name__} fetching {url[:200]}") from exc
    if response.status_code != 200:
        raise errors.ErrRegistryFetchFailed(f"{url[:200]} answered {response.status_code}")
    if len(response.content) > sources.MAX_ARCHIVE_BYTES:
        raise errors.ErrRegistryFileTooLarge(f"{len(response.content)} bytes from {url[:200]}")
    name = posixpath.basename(url.split("?", 1)[0]) or "download"
    return name, response.content, None


def _packages(name: str, data: bytes | None, model: Any) -> list[Parsed]:
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
    if len(data) > sources.MAX_FILE_BYTES:
        raise errors.ErrRegistryFileTooLarge(f"{len(data)} bytes (limit {sources.MAX_FILE_BYTES})")
    if not name.lower().endswith(sources.ENTITY_SUFFIXES):
        name += ".json" if data.lstrip()[:1] in (b"{", b"[") else ".yaml"
    return [_inline(parse_files([sources.RawFile(name, data)]))]


async def register_upload(services: Services, *, body: dict[str, Any] | None, upload: Any) -> dict[str, Any]:
    report = importer.Report()
    try:
        name, data, model = await _payload(body, upload)
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
