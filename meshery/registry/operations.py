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
from meshery.registry import build, builtin, codec, importer, render
from meshery.registry.export import export_model
from meshery.registry.generate import generate
from meshery.registry.parse import parse_documents
from meshery.registry.prepare import register_parsed
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
    total, rows = await rq.list_models(
        services.store, rq.ModelFilter(model_id=model_id), rq.Page(0, 1), order="", desc=False
    )
    if total:
        builtin.refuse(rows[0].name, action="delete")
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
    new_id = definition_id or str(body.get("id") or "")
    try:
        new_id = str(uuid.UUID(new_id))
    except ValueError:
        new_id = str(uuid.uuid4())  # the server assigns ids it cannot use as given
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


def _decode_entity(value: Any) -> Any:
    if isinstance(value, dict):
        return value
    try:
        return orjson.loads(base64.b64decode(value, validate=True))
    except (binascii.Error, ValueError):
        pass
    try:
        return orjson.loads(value)
    except orjson.JSONDecodeError:
        return None


def _refused(expected: str, code: str, message: str) -> dict[str, Any]:
    return {
        "message": f"no {expected} registered",
        "model": None,
        "components": 0,
        "relationships": 0,
        "errors": [{"code": code, "file": "request", "message": message}],
    }


async def register_entity(services: Services, body: dict[str, Any], *, expected: str) -> dict[str, Any]:
    """Registrant API: one component or relationship, added to its model (created when new).

    As with files, what cannot be registered is reported in ``errors`` (with
    ``model`` null), not raised: the request itself was well formed.
    """
    invalid = errors.ErrRegistryEntityInvalid.code
    entity = _decode_entity(body.get("entity"))
    if not isinstance(entity, dict):
        return _refused(expected, invalid, "entity is not a JSON object, nor base64 of one")
    model = entity.get("model")
    if not isinstance(model, dict) or not isinstance(model.get("name"), str) or not model["name"]:
        return _refused(expected, invalid, f"the {expected} carries no model (model.name)")
    builtin.refuse(model["name"])
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
            return _refused(expected, invalid, parsed.problems[0].message if parsed.problems else "bad model")
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
            reported = [p.as_dict() for p in built.problems] or [
                {"code": invalid, "file": "request", "message": f"no {expected} in the entity"}
            ]
            return {**_refused(expected, invalid, ""), "errors": reported}
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
        return _refused(expected, invalid, parsed.problems[0].message)
    prepared = register_parsed(parsed, origin="registrant")
    outcome, built_rows, problems = await importer.store_prepared(services.store, prepared)
    if prepared.facts is not None:
        await store_registry.refresh_latest(services.store, [prepared.facts.name])
    return {
        "message": f"{expected} registered" if outcome == "imported" else f"no {expected} registered ({outcome})",
        "model": built_rows.model["id"] if built_rows else None,
        "components": len(built_rows.components) if built_rows else 0,
        "relationships": len(built_rows.relationships) if built_rows else 0,
        "errors": [p.as_dict() for p in problems],
    }
