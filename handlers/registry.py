"""API area "registry": MeshModel lists, lookups, registration, export, validation and status.

Every route exists twice, under ``/api/meshmodels`` (upstream's deprecated
alias) and ``/api/registry``; the second operation of each pair is bound to
the same function (the ``*_registry`` names at the end of this module).
List handlers take their query parameters as keyword arguments (all
optional, declared in spec/openapi/registry.yaml) and answer JSON bytes
assembled by ``meshery.registry.queries``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import aclosing
from functools import partial
from typing import Any

from generated import errors
from meshery import context, http
from meshery.registry import operations, queries, service
from meshery.registry.queries import Paging

ENTITY_TYPES = ("models", "components", "relationships")


def _answer(body: bytes, status: int = 200) -> http.Reply:
    return http.raw(body, status)


def _store() -> Any:
    return context.current().services.store


def _paging(q: dict[str, Any]) -> Paging:
    return queries.paging(
        page=q.get("page"),
        pagesize=q.get("pagesize"),
        page_size=q.get("page_size"),
        order=q.get("order"),
        sort=q.get("sort"),
    )


def _model_filter(q: dict[str, Any], **fixed: Any) -> Any:
    return operations.model_filter(
        search=q.get("search"),
        version=q.get("version"),
        status=q.get("status"),
        model_id=q.get("id_"),
        registrant=q.get("registrant"),
        category=q.get("category"),
        **fixed,
    )


def _component_filter(q: dict[str, Any], **fixed: Any) -> Any:
    return operations.component_filter(
        search=q.get("search"),
        version=q.get("version"),
        api_version=q.get("api_version"),
        annotations=q.get("annotations"),
        status=q.get("status"),
        **fixed,
    )


def _relationship_filter(q: dict[str, Any], **fixed: Any) -> Any:
    return operations.relationship_filter(
        search=q.get("search"),
        version=q.get("version"),
        kind=q.get("kind"),
        type=q.get("type_"),
        sub_type=q.get("sub_type"),
        **fixed,
    )


# --- models --------------------------------------------------------------------------------------


async def get_meshmodel_models(**q: Any) -> http.Reply:
    return _answer(await queries.models(_store(), _model_filter(q), _paging(q), trim=bool(q.get("trim"))))


async def get_meshmodel_models_by_name(model: str, **q: Any) -> http.Reply:
    return _answer(await queries.models(_store(), _model_filter(q, name=model), _paging(q), trim=bool(q.get("trim"))))


async def get_meshmodel_models_by_category(category: str, **q: Any) -> http.Reply:
    q = {**q, "category": category}
    return _answer(await queries.models(_store(), _model_filter(q), _paging(q), trim=bool(q.get("trim"))))


async def get_meshmodel_models_by_category_and_model(category: str, model: str, **q: Any) -> http.Reply:
    q = {**q, "category": category}
    return _answer(await queries.models(_store(), _model_filter(q, name=model), _paging(q), trim=bool(q.get("trim"))))


async def delete_model_meshmodel(model: str) -> http.Reply:
    await operations.delete_model(context.current().services, model)
    return http.json({"message": f"model {model} deleted"})


# --- components ----------------------------------------------------------------------------------


async def _components(q: dict[str, Any], **fixed: Any) -> http.Reply:
    return _answer(
        await queries.components(_store(), _component_filter(q, **fixed), _paging(q), trim=bool(q.get("trim")))
    )


async def get_meshmodel_components(**q: Any) -> http.Reply:
    return await _components(q)


async def get_meshmodel_components_by_name(name: str, **q: Any) -> http.Reply:
    return await _components(q, name=name)


async def get_meshmodel_components_by_model(model: str, **q: Any) -> http.Reply:
    return await _components(q, model=model)


async def get_meshmodel_components_by_model_and_name(model: str, name: str, **q: Any) -> http.Reply:
    return await _components(q, model=model, name=name)


async def get_meshmodel_components_by_category(category: str, **q: Any) -> http.Reply:
    return await _components(q, category=category)


async def get_meshmodel_components_by_category_and_name(category: str, name: str, **q: Any) -> http.Reply:
    return await _components(q, category=category, name=name)


async def get_meshmodel_components_by_category_and_model(category: str, model: str, **q: Any) -> http.Reply:
    return await _components(q, category=category, model=model)


async def get_meshmodel_components_by_category_and_model_and_name(
    category: str, model: str, name: str, **q: Any
) -> http.Reply:
    return await _components(q, category=category, model=model, name=name)


# --- relationships, policies, categories, registrants -------------------------------------------


async def get_meshmodel_relationships(**q: Any) -> http.Reply:
    return _answer(await queries.relationships(_store(), _relationship_filter(q), _paging(q)))


async def get_meshmodel_relationships_by_model(model: str, **q: Any) -> http.Reply:
    return _answer(await queries.relationships(_store(), _relationship_filter(q, model=model), _paging(q)))


async def get_meshmodel_relationships_by_model_and_name(model: str, name: str, **q: Any) -> http.Reply:
    q = {**q, "kind": name}
    return _answer(await queries.relationships(_store(), _relationship_filter(q, model=model), _paging(q)))


async def get_meshmodel_policies_by_model(model: str, **q: Any) -> http.Reply:
    _, body = await queries.entities(
        _store(), _paging(q), entity_type="policy", key="policies", model=model, search=q.get("search")
    )
    return _answer(body)


async def get_meshmodel_policies_by_model_and_name(model: str, name: str, **q: Any) -> http.Reply:
    _, body = await queries.entities(_store(), _paging(q), entity_type="policy", key="policies", model=model, name=name)
    return _answer(body)


async def get_meshmodel_categories(**q: Any) -> http.Reply:
    return _answer(await queries.categories(_store(), _paging(q), search=q.get("search")))


async def get_meshmodel_categories_by_name(category: str, **q: Any) -> http.Reply:
    return _answer(await queries.categories(_store(), _paging(q), search=None, name=category))


async def get_meshmodel_registrants(**q: Any) -> http.Reply:
    return _answer(await queries.registrants(_store(), _paging(q), search=q.get("search")))


# --- connection definitions ----------------------------------------------------------------------


async def get_meshmodel_connection_definitions(**q: Any) -> http.Reply:
    _, body = await queries.entities(
        _store(), _paging(q), entity_type="connection", key="connections", search=q.get("search") or q.get("kind")
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


async def export_model_meshmodel(**q: Any) -> http.Reply:
    return await operations.export_model(
        _store(),
        model_id=q.get("id_"),
        name=q.get("name"),
        version=q.get("version"),
        output_format=q.get("output_format") or "json",
        file_type=q.get("file_type") or "json",
        components=q.get("components", True),
        relationships=q.get("relationships", True),
    )


async def validate_entities_meshmodel(body: dict[str, Any]) -> http.Reply:
    return http.json(await operations.validate(_store(), body))


async def generate_components_meshmodel(body: dict[str, Any]) -> http.Reply:
    return http.json(await operations.generate(context.current().services, body))


# --- GraphQL -------------------------------------------------------------------------------------


async def resolve_get_mesh_model_summary(selector: dict[str, Any] | None = None) -> dict[str, Any]:
    return await service.summary(context.current().services)


async def subscribe_mesh_model_summary(selector: dict[str, Any] | None = None) -> AsyncIterator[dict[str, Any]]:
    services = context.current().services
    async with aclosing(services.bus.follow(service.SUMMARY_SUBJECT, partial(service.summary, services))) as summaries:
        async for summary in summaries:
            yield summary


# --- the same handlers under /api/registry ------------------------------------------------------

get_registry_models = get_meshmodel_models
get_registry_models_by_name = get_meshmodel_models_by_name
get_registry_models_by_category = get_meshmodel_models_by_category
get_registry_models_by_category_and_model = get_meshmodel_models_by_category_and_model
delete_model_registry = delete_model_meshmodel
get_registry_components = get_meshmodel_components
get_registry_components_by_name = get_meshmodel_components_by_name
get_registry_components_by_model = get_meshmodel_components_by_model
get_registry_components_by_model_and_name = get_meshmodel_components_by_model_and_name
get_registry_components_by_category = get_meshmodel_components_by_category
get_registry_components_by_category_and_name = get_meshmodel_components_by_category_and_name
get_registry_components_by_category_and_model = get_meshmodel_components_by_category_and_model
get_registry_components_by_category_and_model_and_name = get_meshmodel_components_by_category_and_model_and_name
get_registry_relationships = get_meshmodel_relationships
get_registry_relationships_by_model = get_meshmodel_relationships_by_model
get_registry_relationships_by_model_and_name = get_meshmodel_relationships_by_model_and_name
get_registry_policies_by_model = get_meshmodel_policies_by_model
get_registry_policies_by_model_and_name = get_meshmodel_policies_by_model_and_name
get_registry_categories = get_meshmodel_categories
get_registry_categories_by_name = get_meshmodel_categories_by_name
get_registry_registrants = get_meshmodel_registrants
get_registry_connection_definitions = get_meshmodel_connection_definitions
get_registry_connection_definition = get_meshmodel_connection_definition
register_connection_definition_registry = register_connection_definition_meshmodel
update_connection_definition_registry = update_connection_definition_meshmodel
delete_connection_definition_registry = delete_connection_definition_meshmodel
register_components_registry = register_components_meshmodel
register_relationships_registry = register_relationships_meshmodel
register_entities_registry = register_entities_meshmodel
update_entity_status_registry = update_entity_status_meshmodel
export_model_registry = export_model_meshmodel
validate_entities_registry = validate_entities_meshmodel
generate_components_registry = generate_components_meshmodel
