"""Executable schema: the generated SDL with the wired root-field functions.

Query and Mutation functions take the field's arguments as keyword arguments
(snake_case) and return plain data; Subscription functions are async
generators whose items become the field's value. Handlers read the user and
services from ``meshery.context``, which the GraphQL context factory sets.
"""

from __future__ import annotations

import datetime as dt
import inspect
from collections.abc import AsyncGenerator, AsyncIterator, Callable
from typing import Any

from ariadne import ObjectType, ScalarType, SubscriptionType, make_executable_schema
from graphql import GraphQLObjectType, GraphQLResolveInfo, GraphQLSchema, StringValueNode

from generated.answers import wire_time
from generated.graphql_schema import SDL
from meshery import context
from meshery.wiring import Wiring

CONTEXT_KEY = "meshery"


def _resolver(func: Callable[..., Any], names: dict[str, str]) -> Callable[..., Any]:
    async def resolve(_obj: Any, info: GraphQLResolveInfo[Any], **kwargs: Any) -> Any:
        token = context.activate(info.context[CONTEXT_KEY])
        try:
            result = func(**{names.get(k, k): v for k, v in kwargs.items()})
            return await result if inspect.isawaitable(result) else result
        finally:
            context.deactivate(token)

    return resolve


def _source(func: Callable[..., AsyncIterator[Any]], names: dict[str, str]) -> Callable[..., AsyncGenerator[Any]]:
    async def source(_obj: Any, info: GraphQLResolveInfo[Any], **kwargs: Any) -> AsyncGenerator[Any]:
        # Each subscription runs in its own task, so the context set here
        # stays with this subscription only.
        context.activate(info.context[CONTEXT_KEY])
        items = func(**{names.get(k, k): v for k, v in kwargs.items()})
        try:
            async for item in items:
                yield item
        finally:
            # Closed with the subscription, so the handler's own clean-up (unsubscribing) runs now.
            close = getattr(items, "aclose", None)
            if close is not None:
                await close()

    return source


def _identity(value: Any, *_args: Any, **_kwargs: Any) -> Any:
    return value


def _serialize_time(value: Any) -> str:
    if isinstance(value, dt.datetime):
        return wire_time(value)
    return str(value)


def _alias_of(directives: Any) -> str | None:
    for directive in directives or ():
        if directive.name.value == "alias":
            for arg in directive.arguments or ():
                if arg.name.value == "of" and isinstance(arg.value, StringValueNode):
                    return str(arg.value.value)
    return None


def _read(key: str) -> Callable[..., Any]:
    def resolve(obj: Any, _info: GraphQLResolveInfo[Any], **_kwargs: Any) -> Any:
        if isinstance(obj, dict):
            return obj.get(key)
        return getattr(obj, key, None)

    return resolve


def bind_field_aliases(schema: GraphQLSchema) -> None:
    """A field declared ``@alias(of: "x")`` answers the value of field ``x`` of the same object."""
    for type_ in schema.type_map.values():
        if not isinstance(type_, GraphQLObjectType) or type_.name.startswith("__"):
            continue
        for field in type_.fields.values():
            of = _alias_of(field.ast_node.directives if field.ast_node is not None else None)
            if of is not None:
                field.resolve = _read(of)


def build(wiring: Wiring) -> GraphQLSchema:
    bindables: dict[str, ObjectType] = {}
    for (type_name, field), func in sorted(wiring.root_fields.items()):
        if type_name not in bindables:
            bindables[type_name] = SubscriptionType() if type_name == "Subscription" else ObjectType(type_name)
        bindable = bindables[type_name]
        names = wiring.root_args.get((type_name, field), {})
        if isinstance(bindable, SubscriptionType):
            bindable.set_source(field, _source(func, names))
            bindable.set_field(field, _identity)
        else:
            bindable.set_field(field, _resolver(func, names))
    scalars = [
        ScalarType("Map"),
        ScalarType("Any"),
        ScalarType("Time", serializer=_serialize_time),
    ]
    schema = make_executable_schema(SDL, *bindables.values(), *scalars)
    bind_field_aliases(schema)
    return schema
