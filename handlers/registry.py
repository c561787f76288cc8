"""API area "registry": MeshModel lists, lookups, registration, export, validation and status.

Every route exists twice, under ``/api/meshmodels`` (upstream's deprecated
alias) and ``/api/registry``; the spec declares each ``/api/registry``
operation ``x-alias-of`` its twin, so both are bound to the one function here.
List handlers take their filters as one spec-declared parameter group
(``x-group``: ``ComponentFilter``, ``ModelFilter``, ``RelationshipFilter``)
and one ``paging`` (spec/openapi/registry.yaml) and answer JSON bytes assembled by
``meshery.registry.queries``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import aclosing
from functools import partial
from typing import Any

from generated import errors
from generated.handler_types import ComponentFilter, ModelFilter, Paging, RelationshipFilter
from meshery import context, http
from meshery.registry import operations, queries, service
from meshery.registry.evaluate import service as evaluation

ENTITY_TYPES = ("models", "components", "relationships")


def _answer(body: bytes, status: int = 200) -> http.Reply:
    return http.raw(body, status)


def _store() -> Any:
    return context.current().services.store


def _paging(paging: Paging) -> queries.Paging:
    return queries.paging(
        page=paging.page, size=paging.size, unbounded=paging.unbounded, order=paging.order, sort=paging.sort
    )


# --- models --------------------------------------------------------------------------------------


async def _models(
    paging: Paging, flt: ModelFilter, *, name: str | None = None, category: str | None = None
) -> http.Reply:
    # annotations/components/relationships: upstream clients send them; model lists do not use them yet.
    found = operations.model_filter(
        search=paging.search,
        name=name,
        category=category,
        version=flt.version,
        status=flt.status,
        model_id=flt.id,
        registrant=flt.registrant,
    )
    return _answer(await queries.models(_store(), found, _paging(paging), trim=bool(flt.trim)))


async def get_meshmodel_models(*, model_filter: ModelFilter, paging: Paging, category: str | None = None) -> http.Reply:
    return await _models(paging, model_filter, category=category)


async def get_meshmodel_models_by_name(model: str, *, model_filter: ModelFilter, paging: Paging) -> http.Reply:
    return await _models(paging, model_filter, name=model)


async def get_meshmodel_models_by_category(category: str, *, model_filter: ModelFilter, paging: Paging) -> http.Reply:
    return await _models(paging, model_filter, category=category)


async def get_meshmodel_models_by_category_and_model(
    category: str, model: str, *, model_filter: ModelFilter, paging: Paging
) -> http.Reply:
    return await _models(paging, model_filter, name=model, category=category)


async def delete_model_meshmodel(model: str) -> http.Reply:
    await operations.delete_model(context.current().services, model)
    return http.json({"message": f"model {model} deleted"})


# --- components ----------------------------------------------------------------------------------


async def _components(paging: Paging, flt: ComponentFilter, **fixed: str) -> http.Reply:
    found = operations.component_filter(
        search=paging.search,
        version=flt.version,
        api_version=flt.api_version,
        annotations=flt.annotations,
        status=flt.status,
        **fixed,
    )
    return _answer(await queries.components(_store(), found, _paging(paging), trim=bool(flt.trim)))


async def get_meshmodel_components(*, component_filter: ComponentFilter, paging: Paging) -> http.Reply:
    return await _components(paging, component_filter)


async def get_meshmodel_components_by_name(
    name: str, *, component_filter: ComponentFilter, paging: Paging
) -> http.Reply:
    return await _components(paging, component_filter, name=name)


async def get_meshmodel_components_by_model(
    model: str, *, component_filter: ComponentFilter, paging: Paging
) -> http.Reply:
    return await _components(paging, component_filter, model=model)


async def get_meshmodel_components_by_model_and_name(
    model: str, name: str, *, component_filter: ComponentFilter, paging: Paging
) -> http.Reply:
    return await _components(paging, component_filter, model=model, name=name)


async def get_meshmodel_components_by_category(
    category: str, *, component_filter: ComponentFilter, paging: Paging
) -> http.Reply:
    return await _components(paging, component_filter, category=category)


async def get_meshmodel_components_by_category_and_name(
    category: str, name: str, *, component_filter: ComponentFilter, paging: Paging
) -> http.Reply:
    return await _components(paging, component_filter, category=category, name=name)


async def get_meshmodel_components_by_category_and_model(
    category: str, model: str, *, component_filter: ComponentFilter, paging: Paging
) -> http.Reply:
    return await _components(paging, component_filter, category=category, model=model)


async def get_meshmodel_components_by_category_and_model_and_name(
    category: str, model: str, name: str, *, component_filter: ComponentFilter, paging: Paging
) -> http.Reply:
    return await _components(paging, component_filter, category=category, model=model, name=name)


# --- relationships, policies, categories, registrants -------------------------------------------


async def _relationships(paging: Paging, flt: RelationshipFilter, *, kind: str | None, **fixed: str) -> http.Reply:
    found = operations.relationship_filter(
        search=paging.search, version=flt.version, kind=kind, type=flt.type, sub_type=flt.sub_type, **fixed
    )
    return _answer(await queries.relationships(_store(), found, _paging(paging)))


async def get_meshmodel_relationships(*, relationship_filter: RelationshipFilter, paging: Paging) -> http.Reply:
    return await _relationships(paging, relationship_filter, kind=relationship_filter.kind)


async def get_meshmodel_relationships_by_model(
    model: str, *, relationship_filter: RelationshipFilter, paging: Paging
) -> http.Reply:
    return await _relationships(paging, relationship_filter, kind=relationship_filter.kind, model=model)


async def get_meshmodel_relationships_by_model_and_name(
    model: str, name: str, *, relationship_filter: RelationshipFilter, paging: Paging
) -> http.Reply:
    # The path's name is the relationship kind; it replaces a `kind` query parameter.
    return await _relationships(paging, relationship_filter, kind=name, model=model)


async def get_meshmodel_policies_by_model(model: str, *, paging: Paging) -> http.Reply:
    _, body = await queries.entities(
        _store(), _paging(paging), entity_type="policy", key="policies", model=model, search=paging.search
    )
    return _answer(body)


async def get_meshmodel_policies_by_model_and_name(model: str, name: str, *, paging: Paging) -> http.Reply:
    _, body = await queries.entities(
        _store(), _paging(paging), entity_type="policy", key="policies", model=model, name=name
    )
    return _answer(body)


async def get_meshmodel_categories(*, paging: Paging) -> http.Reply:
    return _answer(await queries.categories(_store(), _paging(paging), search=paging.search))


async def get_meshmodel_categories_by_name(category: str, *, paging: Paging) -> http.Reply:
    return _answer(await queries.categories(_store(), _paging(paging), search=None, name=category))


async def get_meshmodel_registrants(*, paging: Paging) -> http.Reply:
    return _answer(await queries.registrants(_store(), _paging(paging), search=paging.search))


# --- connection definitions ----------------------------------------------------------------------


async def get_meshmodel_connection_definitions(*, paging: Paging, kind: str | None = None) -> http.Reply:
    _, body = await queries.entities(
        _store(), _paging(paging), entity_type="connection", key="connections", search=paging.search or kind
    )
    return _answer(body)


async def get_meshmodel_connection_definition(connection_definition_id: str) -> http.Reply:
    return http.json(await operations.get_definition(_store(), str(connection_definition_id)))


async def register_connection_definition_meshmodel(body: dict[str, Any]) -> http.Reply:
    return http.json(await operations.put_definition(_store(), None, body), status=201)


async def update_connection_definition_meshmodel(connection_definition_id: str, body: dict[str, Any]) -> http.Reply:
    await operations.get_definition(_store(), str(connection_definition_id))
    return http.json(await operations.put_definition(_store(), str(connection_definition_id), body))


async def delete_connection_definition_meshmodel(connection_definition_id: str) -> http.Reply:
    await operations.delete_definition(_store(), str(connection_definition_id))
    return http.json({"message": f"connection definition {connection_definition_id} deleted"})


# --- registration, status, export, validation, generation ---------------------------------------


async def register_components_meshmodel(body: dict[str, Any]) -> http.Reply:
    result = await operations.register_entity(context.current().services, body, expected="component")
    return http.json(result, status=201 if result["model"] else 200)


async def register_relationships_meshmodel(body: dict[str, Any]) -> http.Reply:
    result = await operations.register_entity(context.current().services, body, expected="relationship")
    return http.json(result, status=201 if result["model"] else 200)


async def register_meshmodel_components_legacy(body: dict[str, Any]) -> http.Reply:
    return await register_components_meshmodel(body)


async def register_entities_meshmodel(body: dict[str, Any] | None = None, file: Any = None) -> http.Reply:
    return http.json(await operations.register_upload(context.current().services, body=body, upload=file))


async def update_entity_status_meshmodel(entity_type: str, body: dict[str, Any]) -> http.Reply:
    if entity_type not in ENTITY_TYPES:
        raise errors.ErrRegistryUnknownEntityType(f"{entity_type!r}; use one of {', '.join(ENTITY_TYPES)}")
    await operations.set_status(_store(), entity_type=entity_type, entity_id=body["id"], status=body["status"])
    return http.json({"message": f"{entity_type} {body['id']} is now {body['status']}"})


async def export_model_meshmodel(
    *,
    id_: str | None = None,
    name: str | None = None,
    version: str | None = None,
    output_format: str | None = None,
    file_type: str | None = None,
    components: bool = True,
    relationships: bool = True,
) -> http.Reply:
    return await operations.export_model(
        _store(),
        model_id=id_,
        name=name,
        version=version,
        output_format=output_format or "json",
        file_type=file_type or "json",
        components=components,
        relationships=relationships,
    )


async def validate_entities_meshmodel(body: dict[str, Any]) -> http.Reply:
    return http.json(await operations.validate(_store(), body))


async def generate_components_meshmodel(body: dict[str, Any]) -> http.Reply:
    return http.json(await operations.generate(context.current().services, body))


async def evaluate_relationships_meshmodel(body: dict[str, Any]) -> http.Reply:
    return http.json(await evaluation.evaluate(context.current().services, body))


# --- GraphQL -------------------------------------------------------------------------------------


async def resolve_get_mesh_model_summary(selector: dict[str, Any] | None = None) -> dict[str, Any]:
    return await service.summary(context.current().services)


async def subscribe_mesh_model_summary(selector: dict[str, Any] | None = None) -> AsyncIterator[dict[str, Any]]:
    services = context.current().services
    async with aclosing(services.bus.follow(service.SUMMARY_SUBJECT, partial(service.summary, services))) as summaries:
        async for summary in summaries:
            yield summary
