"""API area "registry": MeshModel lists, lookups, registration, export, validation and status.

Every route exists twice, under ``/api/meshmodels`` (upstream's deprecated
alias) and ``/api/registry``; the spec declares each ``/api/registry``
operation ``x-alias-of`` its twin, so both are bound to the one function here.
List handlers take their filters as keyword arguments and one ``paging``
(spec/openapi/registry.yaml) and answer JSON bytes assembled by
``meshery.registry.queries``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import aclosing
from functools import partial
from typing import Any

from generated import errors
from generated.handler_types import Paging
from meshery import context, http
from meshery.registry import operations, queries, service

ENTITY_TYPES = ("models", "components", "relationships")


def _answer(body: bytes, status: int = 200) -> http.Reply:
    return http.raw(body, status)


def _store() -> Any:
    return context.current().services.store


def _paging(paging: Paging) -> queries.Paging:
    return queries.paging(
        page=paging.page, pagesize=paging.size_text, page_size=None, order=paging.order, sort=paging.sort
    )


# --- models --------------------------------------------------------------------------------------


async def _models(
    paging: Paging,
    *,
    trim: bool | None,
    embed: tuple[bool | None, ...],
    name: str | None = None,
    category: str | None = None,
    **filters: Any,
) -> http.Reply:
    # annotations/components/relationships: upstream clients send them; model lists do not use them yet.
    del embed
    flt = operations.model_filter(search=paging.search, name=name, category=category, **filters)
    return _answer(await queries.models(_store(), flt, _paging(paging), trim=bool(trim)))


async def get_meshmodel_models(
    *,
    paging: Paging,
    version: str | None = None,
    status: str | None = None,
    trim: bool | None = None,
    annotations: bool | None = None,
    id_: str | None = None,
    registrant: str | None = None,
    components: bool | None = None,
    relationships: bool | None = None,
    category: str | None = None,
) -> http.Reply:
    return await _models(
        paging,
        trim=trim,
        embed=(annotations, components, relationships),
        category=category,
        version=version,
        status=status,
        model_id=id_,
        registrant=registrant,
    )


async def get_meshmodel_models_by_name(
    model: str,
    *,
    paging: Paging,
    version: str | None = None,
    status: str | None = None,
    trim: bool | None = None,
    annotations: bool | None = None,
    id_: str | None = None,
    registrant: str | None = None,
    components: bool | None = None,
    relationships: bool | None = None,
) -> http.Reply:
    return await _models(
        paging,
        trim=trim,
        embed=(annotations, components, relationships),
        name=model,
        version=version,
        status=status,
        model_id=id_,
        registrant=registrant,
    )


async def get_meshmodel_models_by_category(
    category: str,
    *,
    paging: Paging,
    version: str | None = None,
    status: str | None = None,
    trim: bool | None = None,
    annotations: bool | None = None,
    id_: str | None = None,
    registrant: str | None = None,
    components: bool | None = None,
    relationships: bool | None = None,
) -> http.Reply:
    return await _models(
        paging,
        trim=trim,
        embed=(annotations, components, relationships),
        category=category,
        version=version,
        status=status,
        model_id=id_,
        registrant=registrant,
    )


async def get_meshmodel_models_by_category_and_model(
    category: str,
    model: str,
    *,
    paging: Paging,
    version: str | None = None,
    status: str | None = None,
    trim: bool | None = None,
    annotations: bool | None = None,
    id_: str | None = None,
    registrant: str | None = None,
    components: bool | None = None,
    relationships: bool | None = None,
) -> http.Reply:
    return await _models(
        paging,
        trim=trim,
        embed=(annotations, components, relationships),
        name=model,
        category=category,
        version=version,
        status=status,
        model_id=id_,
        registrant=registrant,
    )


async def delete_model_meshmodel(model: str) -> http.Reply:
    await operations.delete_model(context.current().services, model)
    return http.json({"message": f"model {model} deleted"})


# --- components ----------------------------------------------------------------------------------


async def _components(
    paging: Paging,
    *,
    version: str | None,
    api_version: str | None,
    trim: bool | None,
    annotations: bool | None,
    status: str | None,
    **fixed: Any,
) -> http.Reply:
    flt = operations.component_filter(
        search=paging.search, version=version, api_version=api_version, annotations=annotations, status=status, **fixed
    )
    return _answer(await queries.components(_store(), flt, _paging(paging), trim=bool(trim)))


async def get_meshmodel_components(
    *,
    paging: Paging,
    version: str | None = None,
    api_version: str | None = None,
    trim: bool | None = None,
    annotations: bool | None = None,
    status: str | None = None,
) -> http.Reply:
    return await _components(
        paging, version=version, api_version=api_version, trim=trim, annotations=annotations, status=status
    )


async def get_meshmodel_components_by_name(
    name: str,
    *,
    paging: Paging,
    version: str | None = None,
    api_version: str | None = None,
    trim: bool | None = None,
    annotations: bool | None = None,
    status: str | None = None,
) -> http.Reply:
    return await _components(
        paging, version=version, api_version=api_version, trim=trim, annotations=annotations, status=status, name=name
    )


async def get_meshmodel_components_by_model(
    model: str,
    *,
    paging: Paging,
    version: str | None = None,
    api_version: str | None = None,
    trim: bool | None = None,
    annotations: bool | None = None,
    status: str | None = None,
) -> http.Reply:
    return await _components(
        paging, version=version, api_version=api_version, trim=trim, annotations=annotations, status=status, model=model
    )


async def get_meshmodel_components_by_model_and_name(
    model: str,
    name: str,
    *,
    paging: Paging,
    version: str | None = None,
    api_version: str | None = None,
    trim: bool | None = None,
    annotations: bool | None = None,
    status: str | None = None,
) -> http.Reply:
    return await _components(
        paging,
        version=version,
        api_version=api_version,
        trim=trim,
        annotations=annotations,
        status=status,
        model=model,
        name=name,
    )


async def get_meshmodel_components_by_category(
    category: str,
    *,
    paging: Paging,
    version: str | None = None,
    api_version: str | None = None,
    trim: bool | None = None,
    annotations: bool | None = None,
    status: str | None = None,
) -> http.Reply:
    return await _components(
        paging,
        version=version,
        api_version=api_version,
        trim=trim,
        annotations=annotations,
        status=status,
        category=category,
    )


async def get_meshmodel_components_by_category_and_name(
    category: str,
    name: str,
    *,
    paging: Paging,
    version: str | None = None,
    api_version: str | None = None,
    trim: bool | None = None,
    annotations: bool | None = None,
    status: str | None = None,
) -> http.Reply:
    return await _components(
        paging,
        version=version,
        api_version=api_version,
        trim=trim,
        annotations=annotations,
        status=status,
        category=category,
        name=name,
    )


async def get_meshmodel_components_by_category_and_model(
    category: str,
    model: str,
    *,
    paging: Paging,
    version: str | None = None,
    api_version: str | None = None,
    trim: bool | None = None,
    annotations: bool | None = None,
    status: str | None = None,
) -> http.Reply:
    return await _components(
        paging,
        version=version,
        api_version=api_version,
        trim=trim,
        annotations=annotations,
        status=status,
        category=category,
        model=model,
    )


async def get_meshmodel_components_by_category_and_model_and_name(
    category: str,
    model: str,
    name: str,
    *,
    paging: Paging,
    version: str | None = None,
    api_version: str | None = None,
    trim: bool | None = None,
    annotations: bool | None = None,
    status: str | None = None,
) -> http.Reply:
    return await _components(
        paging,
        version=version,
        api_version=api_version,
        trim=trim,
        annotations=annotations,
        status=status,
        category=category,
        model=model,
        name=name,
    )


# --- relationships, policies, categories, registrants -------------------------------------------


async def _relationships(
    paging: Paging, *, version: str | None, kind: str | None, type_: str | None, sub_type: str | None, **fixed: Any
) -> http.Reply:
    flt = operations.relationship_filter(
        search=paging.search, version=version, kind=kind, type=type_, sub_type=sub_type, **fixed
    )
    return _answer(await queries.relationships(_store(), flt, _paging(paging)))


async def get_meshmodel_relationships(
    *,
    paging: Paging,
    version: str | None = None,
    kind: str | None = None,
    type_: str | None = None,
    sub_type: str | None = None,
) -> http.Reply:
    return await _relationships(paging, version=version, kind=kind, type_=type_, sub_type=sub_type)


async def get_meshmodel_relationships_by_model(
    model: str,
    *,
    paging: Paging,
    version: str | None = None,
    kind: str | None = None,
    type_: str | None = None,
    sub_type: str | None = None,
) -> http.Reply:
    return await _relationships(paging, version=version, kind=kind, type_=type_, sub_type=sub_type, model=model)


async def get_meshmodel_relationships_by_model_and_name(
    model: str,
    name: str,
    *,
    paging: Paging,
    version: str | None = None,
    kind: str | None = None,
    type_: str | None = None,
    sub_type: str | None = None,
) -> http.Reply:
    # The path's name is the relationship kind; it replaces a `kind` query parameter.
    del kind
    return await _relationships(paging, version=version, kind=name, type_=type_, sub_type=sub_type, model=model)


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


# --- GraphQL -------------------------------------------------------------------------------------


async def resolve_get_mesh_model_summary(selector: dict[str, Any] | None = None) -> dict[str, Any]:
    return await service.summary(context.current().services)


async def subscribe_mesh_model_summary(selector: dict[str, Any] | None = None) -> AsyncIterator[dict[str, Any]]:
    services = context.current().services
    async with aclosing(services.bus.follow(service.SUMMARY_SUBJECT, partial(service.summary, services))) as summaries:
        async for summary in summaries:
            yield summary
