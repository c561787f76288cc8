"""Registry writes and one-off operations behind the REST handlers.

Registration of posted entities and uploads reuses the importer's rules
(one model per package, registrant required, duplicates marked); export,
validation and generation live in their own modules and are re-exported here
so handlers import one service module.
"""

from __future__ import annotations

import base64
import binascii
import uuid
from typing import Any

import orjson

from generated import errors
from meshery.context import Services
from meshery.registry import build, codec, importer, render, sources
from meshery.registry.export import export_model
from meshery.registry.generate import generate
from meshery.registry.parse import Parsed, parse_documents, parse_files
from meshery.registry.prepare import Prepared, from_parsed
from meshery.registry.upload import register_upload
from meshery.registry.validate import validate
from meshery.store import Store
from meshery.store import registry as store_registry
from meshery.store import registry_queries as rq

__all__ = [
    "component_filter",
    "delete_definition",
    "delete_model",
    "export_model",
    "generate",
    "get_definition",
    "model_filter",
    "put_definition",
    "register_entity",
    "register_parsed",
    "register_upload",
    "relationship_filter",
    "set_status",
    "validate",
]


def model_filter(**kwargs: Any) -> rq.ModelFilter:
    return rq.ModelFilter(**kwargs)


def component_filter(**kwargs: Any) -> rq.ComponentFilter:
    return rq.ComponentFilter(**kwargs)


def relationship_filter(**kwargs: Any) -> rq.RelationshipFilter:
    return rq.RelationshipFilter(**kwargs)


async def delete_model(services: Services, model_id: str) -> None:
    if not await store_registry.delete_model(services.store, model_id):
        raise errors.ErrRegistryNotFound(f"no model with id {model_id!r}")
    await store_registry.refresh_latest(services.store, None)


async def set_status(store: Store, *, entity_type: str, entity_id: str, status: str) -> None:
    if not await store_registry.set_status(store, entity_type=entity_type, entity_id=entity_id, status=status):
        raise errors.ErrRegistryNotFound(f"no {entity_type.rstrip('s')} with id {entity_id!r}")


async def get_definition(store: Store, definition_id: str) -> dict[str, Any]:
    total, rows = await rq.list_entities(
        store,
        entity_type="connection",
        model=None,
        name=None,
        entity_id=definition_id,
        search=None,
        page=rq.Page(0, 1),
    )
    if not total:
        raise errors.ErrRegistryNotFound(f"no connection definition with id {definition_id!r}")
    body: dict[str, Any] = orjson.loads(rows[0][1])
    return {"id": rows[0][0], **body}


async def put_definition(store: Store, definition_id: str | None, body: dict[str, Any]) -> dict[str, Any]:
    new_id = definition_id or str(body.get("id") or uuid.uuid4())
    try:
        uuid.UUID(new_id)
    except ValueError as exc:
        raise errors.ErrRegistryRequestInvalid(f"id {new_id!r} is not a UUID") from exc
    rest = {k: v for k, v in body.items() if k != "id"}
    await store_registry.upsert_entity(
        store,
        {
            "id": new_id,
            "entity_type": "connection",
            "model_id": None,
            "name": str(rest.get("name") or rest.get("kind") or "connection")[:255],
            "kind": str(rest.get("kind") or "")[:255],
            "body": codec.dumps(rest).decode(),
        },
    )
    return {"id": new_id, **rest}


async def delete_definition(store: Store, definition_id: str) -> None:
    if not await store_registry.delete_entity(store, entity_type="connection", entity_id=definition_id):
        raise errors.ErrRegistryNotFound(f"no connection definition with id {definition_id!r}")


def register_parsed(parsed: Parsed, *, origin: str) -> Prepared:
    """A package that arrived by API, prepared for ``importer.store_prepared`` (keyed by its model)."""
    facts, _ = build.model_facts(parsed)
    location = f"upload:{facts.name}/{facts.model_version}/{facts.version}" if facts else f"upload:{origin}"
    return from_parsed(sources.package_key(location), location, parsed.content_hash, parsed)


def _decode_entity(value: Any) -> Any:
    if isinstance(value, dict):
        return value
    try:
        return orjson.loads(base64.b64decode(value, validate=True))
    except (binascii.Error, ValueError):
        pass
    try:
        return orjson.loads(value)
    except orjson.JSONDecodeError as exc:
        raise errors.ErrRegistryEntityInvalid("entity is neither JSON nor base64 of JSON") from exc


async def register_entity(services: Services, body: dict[str, Any], *, expected: str) -> dict[str, Any]:
    """Registrant API: one component or relationship, added to its model (created when new)."""
    entity = _decode_entity(body.get("entity"))
    if not isinstance(entity, dict):
        raise errors.ErrRegistryEntityInvalid("entity must be a JSON object")
    declared = str(body.get("entityType") or expected).lower().rstrip("s")
    if declared != expected:
        raise errors.ErrRegistryUnknownEntityType(f"{body.get('entityType')!r} posted to the {expected}s route")
    model = entity.get("model")
    if not isinstance(model, dict) or not model.get("name"):
        raise errors.ErrRegistryEntityInvalid(f"the {expected} carries no model (model.name)")
    entity.setdefault(
        "schemaVersion",
        "components.meshery.io/v1beta1" if expected == "component" else "relationships.meshery.io/v1alpha3",
    )
    inner: dict[str, Any] = model["model"] if isinstance(model.get("model"), dict) else {}
    total, rows = await rq.list_models(
        services.store,
        rq.ModelFilter(name=str(model["name"]), version=str(inner["version"]) if inner.get("version") else None),
        rq.Page(0, 1),
        order="",
        desc=False,
    )
    if total:
        existing = render.model(rows[0])
        parsed = parse_documents("request", [existing, entity])
        facts, _ = build.model_facts(parsed)
        if parsed.problems or facts is None:
            raise errors.ErrRegistryEntityInvalid(parsed.problems[0].message if parsed.problems else "bad model")
        built = build.build_rows(
            parsed,
            facts,
            model_id=existing["id"],
            package_id=None,
            registrant_id="",
            category_id="",
            status=existing["status"],
        )
        if not (built.components or built.relationships):
            raise errors.ErrRegistryEntityInvalid(built.problems[0].message if built.problems else f"no {expected}")
        await store_registry.add_entities(services.store, model_id=existing["id"], rows=built)
        return {
            "message": f"{expected} registered",
            "model": existing["id"],
            "components": len(built.components),
            "relationships": len(built.relationships),
            "errors": [p.as_dict() for p in built.problems],
        }
    model = dict(model)
    model.setdefault("schemaVersion", "models.meshery.io/v1beta1")
    connection = body.get("connection") if isinstance(body.get("connection"), dict) else None
    if connection and not isinstance(model.get("registrant"), dict):
        model["registrant"] = connection
    parsed = parse_documents("request", [model, entity])
    if parsed.problems:
        raise errors.ErrRegistryEntityInvalid(parsed.problems[0].message)
    prepared = register_parsed(parsed, origin="registrant")
    if prepared.fatal is not None:
        raise _fatal_error(prepared.fatal.code, prepared.fatal.message)
    outcome, built_rows, problems = await importer.store_prepared(services.store, prepared)
    if prepared.facts is not None:
        await store_registry.refresh_latest(services.store, [prepared.facts.name])
    return {
        "message": f"{expected} registered" if outcome == "imported" else f"package {outcome}",
        "model": built_rows.model["id"] if built_rows else None,
        "components": len(built_rows.components) if built_rows else 0,
        "relationships": len(built_rows.relationships) if built_rows else 0,
        "errors": [p.as_dict() for p in problems],
    }


def _fatal_error(code: str, message: str) -> errors.MesheryError:
    for cls in (errors.ErrRegistryRegistrantMissing, errors.ErrRegistryPackageMalformed):
        if cls.code == code:
            return cls(message)
    return errors.ErrRegistryEntityInvalid(message)


def parse_raw(files: list[sources.RawFile], problems: list[sources.FileProblem]) -> Parsed:
    return parse_files(files, problems)
