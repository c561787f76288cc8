"""The request flows of the design routes: save (design text or a typed source) and import.

Each flow turns what the client sent into a canonical design (``document`` / the importers),
validates it against the registry, stores it (``service.save``) and answers the record with
its validation problems.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from generated import errors
from meshery import safe_load
from meshery.context import Services, User
from meshery.designs import intake, service, wire
from meshery.designs.document import parse_design
from meshery.designs.importers import import_source
from meshery.designs.validate import validate_design
from meshery.store import designs as repo


@dataclass
class Converted:
    design: dict[str, Any]
    source_type: str
    source: bytes
    problems: list[dict[str, Any]] = field(default_factory=list)


async def convert(
    services: Services, data: bytes, *, name: str | None, source_type: str | None, filename: str | None
) -> Converted:
    """The design of a source of any supported type (detected when None), bound to the registry and validated."""
    result = await import_source(services, data, name=name, source_type=source_type, filename=filename)
    return Converted(
        design=result.design,
        source_type=result.source_type,
        source=result.source,
        problems=[asdict(p) for p in result.problems],
    )


async def validate(services: Services, design: dict[str, Any]) -> list[dict[str, Any]]:
    """Validation problems of a design (bound to registry definitions first)."""
    return [asdict(p) for p in await validate_design(services, design)]


def _pattern_data(body: Mapping[str, Any]) -> Mapping[str, Any]:
    data = body.get("pattern_data")
    return data if isinstance(data, Mapping) else {}


def _text(body: Mapping[str, Any]) -> Any:
    data = _pattern_data(body)
    for holder, key in ((data, "pattern_file"), (data, "patternFile"), (body, "pattern_file"), (body, "patternFile")):
        value = holder.get(key)
        if value not in (None, ""):
            return value
    return None


def _design_id(body: Mapping[str, Any]) -> str | None:
    data = _pattern_data(body)
    value = data.get("id") or body.get("id")
    if value in (None, ""):
        return None
    try:
        return str(uuid.UUID(str(value)))
    except ValueError:
        raise errors.ErrDesignBodyInvalid(f"pattern_data.id {str(value)[:64]!r} is not a UUID") from None


def _draft_fields(body: Mapping[str, Any]) -> dict[str, Any]:
    data = _pattern_data(body)
    catalog = data.get("catalog_data")
    location = data.get("location")
    visibility = data.get("visibility") or body.get("visibility")
    if visibility is not None and visibility not in service.VISIBILITIES:
        raise errors.ErrDesignBodyInvalid(f"visibility must be one of {', '.join(service.VISIBILITIES)}")
    return {
        "name": str(body.get("name") or data.get("name") or "")[:255] or None,
        "visibility": visibility,
        "catalog_data": dict(catalog) if isinstance(catalog, Mapping) else None,
        "location": dict(location) if isinstance(location, Mapping) else None,
    }


async def _source_of(body: Mapping[str, Any], upload: Any = None) -> intake.Source | None:
    """The bytes a request brings: a multipart file, base64/data-URL ``file``, or ``url``."""
    if upload is not None:
        return await intake.read_upload(upload)
    file_name = str(body.get("fileName") or "") or None
    if isinstance(body.get("file"), str) and body["file"]:
        return intake.decode_file(body["file"], file_name)
    if isinstance(body.get("url"), str) and body["url"].strip():
        return await intake.fetch(body["url"].strip())
    return None


async def save_request(
    services: Services, user: User | None, body: Mapping[str, Any], *, source_type: str | None, update: bool
) -> list[dict[str, Any]]:
    """``POST /api/pattern`` and ``POST|PUT /api/pattern/{sourcetype}``: one record with its problems."""
    fields = _draft_fields(body)
    design_id = _design_id(body)
    if update:
        if design_id is None:
            raise errors.ErrDesignBodyInvalid("an update needs pattern_data.id")
        if not await service.design_ids_exist(services, [design_id]):
            raise errors.ErrDesignNotFound(f"no design {design_id}")
    text = _text(body)
    if text is not None and source_type in (None, intake.DESIGN):
        given = text if isinstance(text, (str, Mapping)) else json.dumps(text)
        # Off the event loop, within a time budget (meshery.safe_load): up to 32 MiB of YAML.
        design = await safe_load.off_loop(
            lambda: parse_design(given), what="design", seconds=safe_load.DOCUMENT_SECONDS
        )
        if fields["name"]:
            design["name"] = fields["name"]
        source = text.encode() if isinstance(text, str) else None
        converted = Converted(design=design, source_type=intake.DESIGN, source=source or b"")
        converted.problems = await validate(services, design)
    else:
        found = await _source_of(body)
        if found is None and text is not None:
            found = intake.Source(text.encode() if isinstance(text, str) else json.dumps(text).encode(), None)
        if found is None:
            raise errors.ErrDesignBodyInvalid("send the design in pattern_data.pattern_file (or a file or url)")
        converted = await convert(
            services, found.data, name=fields["name"], source_type=source_type, filename=found.filename
        )
    draft = service.Draft(
        design=converted.design,
        source_type=converted.source_type,
        source=converted.source or None,
        design_id=design_id,
        **fields,
    )
    if body.get("save") is False:
        return [wire.record(_unsaved(draft), problems=converted.problems)]
    row = await service.save(services, user, draft)
    return [wire.record(row, problems=converted.problems)]


async def import_request(services: Services, user: User | None, body: Mapping[str, Any], upload: Any) -> dict[str, Any]:
    """``POST /api/pattern/import``: the stored design with its problems."""
    found = await _source_of(body, upload)
    if found is None:
        raise errors.ErrDesignBodyInvalid("send the design as `file` (multipart or base64) or `url`")
    name = str(body.get("name") or "").strip() or None
    converted = await convert(
        services, found.data, name=name, source_type=intake.source_type(body.get("designType")), filename=found.filename
    )
    visibility = body.get("visibility")
    # An import always adds a design: a document whose id is taken (a re-import) gets a new one.
    kept = str(converted.design.get("id") or "")
    if kept and await service.design_ids_exist(services, [kept]):
        converted.design["id"] = str(uuid.uuid4())
    row = await service.save(
        services,
        user,
        service.Draft(
            design=converted.design,
            name=name or str(converted.design.get("name") or "") or None,
            source_type=converted.source_type,
            source=converted.source,
            visibility=str(visibility) if visibility else None,
        ),
        action="import",
    )
    return wire.record(row, problems=converted.problems)


def _unsaved(draft: service.Draft) -> repo.PatternRow:
    """The record a save would write, for ``save: false`` (nothing is stored)."""
    stamp = repo.now()
    design = dict(draft.design)
    design_id = draft.design_id or str(design.get("id") or uuid.uuid4())
    name = draft.name or str(design.get("name") or "Untitled Design")
    design.update(id=design_id, name=name)
    row = repo.PatternRow(
        id=design_id,
        name=name,
        user_id=None,
        pattern_file=service.encode_design(design),
        source_type=draft.source_type,
        visibility=draft.visibility or "private",
        location=draft.location or dict(service.LOCAL_LOCATION),
        catalog_data=draft.catalog_data or {},
        created_at=stamp,
        updated_at=stamp,
    )
    for counter in repo.COUNTERS:
        setattr(row, counter, 0)
    return row
