"""Binding the generated tables to handlers fails loudly, naming both sides."""

from __future__ import annotations

import inspect
import types
from collections.abc import Callable

import pytest

from generated import models
from generated.graphql_schema import ROOT_FIELDS, RootField
from generated.handler_types import SIGNATURES, Arg, ComponentFilter, Paging, RelationshipFilter, Signature
from generated.operations import OPERATIONS, OperationInfo
from meshery import wiring


def _info(op_id: str, handler: str) -> OperationInfo:
    return OperationInfo(
        operation_id=op_id, method="GET", path="/x", tag="x", handler=handler, public=True, security=()
    )


def _modules(**modules: dict[str, object]) -> Callable[[str], types.ModuleType]:
    built = {}
    for name, members in modules.items():
        dotted = name.replace("__", ".")
        module = types.ModuleType(dotted)
        for key, value in members.items():
            if callable(value):
                value.__module__ = dotted
            setattr(module, key, value)
        built[dotted] = module

    def load(name: str) -> types.ModuleType:
        if name not in built:
            raise ModuleNotFoundError(name, name=name)
        return built[name]

    return load


async def _op() -> None:
    return None


def test_real_tables_bind() -> None:
    bound = wiring.bind(OPERATIONS, ROOT_FIELDS)
    assert set(bound.operations) == set(OPERATIONS)
    assert set(bound.root_fields) == {(f.type_name, f.name) for f in ROOT_FIELDS}


def test_missing_handler_is_named() -> None:
    ops = {"getThing": _info("getThing", "handlers.things.get_thing")}
    with pytest.raises(wiring.WiringError) as caught:
        wiring.bind(ops, [], modules=[], import_module=_modules(handlers__things={}))
    assert "spec operation getThing (GET /x) has no handler: define `get_thing` in handlers/things.py" in str(
        caught.value
    )


def test_missing_module_is_named() -> None:
    ops = {"getThing": _info("getThing", "handlers.nowhere.get_thing")}
    with pytest.raises(wiring.WiringError, match=r"handlers/nowhere\.py"):
        wiring.bind(ops, [], modules=[], import_module=_modules())


def test_missing_resolver_is_named() -> None:
    fields = [RootField("Query", "thing", "handlers.things.resolve_thing")]
    with pytest.raises(wiring.WiringError, match=r"GraphQL field Query\.thing has no handler: define `resolve_thing`"):
        wiring.bind({}, fields, modules=[], import_module=_modules(handlers__things={}))


def test_handler_without_operation_is_named() -> None:
    async def get_thing() -> None:
        return None

    async def stray() -> None:
        return None

    def _private() -> None:
        return None

    ops = {"getThing": _info("getThing", "handlers.things.get_thing")}
    load = _modules(handlers__things={"get_thing": get_thing, "stray": stray, "_private": _private})
    with pytest.raises(wiring.WiringError) as caught:
        wiring.bind(ops, [], modules=["handlers.things"], import_module=load)
    message = str(caught.value)
    assert "handlers/things.py: function `stray` matches no spec operation" in message
    assert "_private" not in message


def test_sync_handler_is_rejected() -> None:
    def get_thing() -> None:
        return None

    ops = {"getThing": _info("getThing", "handlers.things.get_thing")}
    with pytest.raises(wiring.WiringError, match="must be `async def`"):
        wiring.bind(ops, [], modules=[], import_module=_modules(handlers__things={"get_thing": get_thing}))


def test_all_problems_reported_at_once() -> None:
    ops = {
        "a": _info("a", "handlers.things.a"),
        "b": _info("b", "handlers.things.b"),
    }
    with pytest.raises(wiring.WiringError) as caught:
        wiring.bind(ops, [], modules=[], import_module=_modules(handlers__things={}))
    assert str(caught.value).count("has no handler") == 2


def test_create_app_fails_at_start_naming_the_gap(monkeypatch: pytest.MonkeyPatch) -> None:
    from meshery import app as app_module
    from meshery.config import Settings

    extra = dict(OPERATIONS)
    extra["getNothing"] = _info("getNothing", "handlers.system.get_nothing")
    monkeypatch.setattr(app_module, "OPERATIONS", extra)
    with pytest.raises(wiring.WiringError, match="getNothing"):
        app_module.create_app(Settings())


# --- handler signatures against the spec (generated.handler_types) ---------------------------------


def _sig(op_id: str, *args: Arg, returns: object = None) -> Signature:
    return Signature(operation_id=op_id, method="GET", path="/x", args=args, returns=returns)


_THING_ARGS = (
    Arg("thing_id", "thingID", "path", str, True),
    Arg("limit", "limit", "query", int, False),
    Arg("tags", "tags", "query", list[str], False),
)


def _bind_one(handler: Callable[..., object], sig: Signature) -> wiring.Wiring:
    handler.__name__ = "get_thing"
    ops = {sig.operation_id: _info(sig.operation_id, "handlers.things.get_thing")}
    return wiring.bind(
        ops,
        [],
        modules=[],
        import_module=_modules(handlers__things={"get_thing": handler}),
        signatures={sig.operation_id: sig},
    )


def test_matching_handler_binds_unchanged() -> None:
    async def get_thing(thing_id: str, *, limit: int | None = None, tags: list[str] | None = None) -> None:
        return None

    bound = _bind_one(get_thing, _sig("getThing", *_THING_ARGS))
    assert bound.operations["getThing"] is get_thing


def test_wrong_parameter_name_names_operation_and_parameter() -> None:
    async def get_thing(thing_id: str, *, limit: int | None = None, tag: list[str] | None = None) -> None:
        return None

    with pytest.raises(wiring.WiringError) as caught:
        _bind_one(get_thing, _sig("getThing", *_THING_ARGS))
    message = str(caught.value)
    assert "handlers.things.get_thing of getThing (GET /x): parameter `tag` is not a parameter of the operation" in (
        message
    )
    assert "missing parameter `tags` for the spec's query `tags`" in message


def test_wrong_parameter_type_names_both_types() -> None:
    async def get_thing(thing_id: str, *, limit: str | None = None, tags: list[int] | None = None) -> None:
        return None

    with pytest.raises(wiring.WiringError) as caught:
        _bind_one(get_thing, _sig("getThing", *_THING_ARGS))
    message = str(caught.value)
    assert "getThing (GET /x): parameter `limit` is `str | None`, but the spec's query `limit` is `int`" in message
    assert "parameter `tags` is `list[int] | None`, but the spec's query `tags` is `list[str]`" in message


def test_wrong_parameter_kind_is_rejected() -> None:
    async def get_thing(thing_id: str, /, **query: object) -> None:
        return None

    with pytest.raises(wiring.WiringError) as caught:
        _bind_one(get_thing, _sig("getThing", *_THING_ARGS))
    message = str(caught.value)
    assert "getThing (GET /x): parameter `thing_id` is positional-only" in message
    assert "takes `**query`; name the operation's parameters instead (thing_id, limit, tags)" in message


def test_missing_required_parameter_fails() -> None:
    async def get_thing(*, limit: int | None = None, tags: list[str] | None = None) -> None:
        return None

    with pytest.raises(wiring.WiringError, match=r"getThing \(GET /x\): missing parameter `thing_id` for the spec's "
                       r"required path `thingID`"):
        _bind_one(get_thing, _sig("getThing", *_THING_ARGS))


def test_optional_parameter_needs_a_default() -> None:
    async def get_thing(thing_id: str, *, limit: int, tags: list[str] | None = None) -> None:
        return None

    with pytest.raises(wiring.WiringError, match="parameter `limit` needs a default: a request may leave out query"):
        _bind_one(get_thing, _sig("getThing", *_THING_ARGS))


def test_declared_return_model_must_be_the_specs() -> None:
    async def get_thing(thing_id: str, *, limit: int = 0, tags: list[str] | None = None) -> models.Message:
        return models.Message(message="hi")

    with pytest.raises(wiring.WiringError, match=r"returns `Message`, but the spec's answer is `MesheryError`"):
        _bind_one(get_thing, _sig("getThing", *_THING_ARGS, returns=models.MesheryError))
    assert _bind_one(get_thing, _sig("getThing", *_THING_ARGS, returns=models.Message))


_PAGED_ARGS = (
    Arg("thing_id", "thingID", "path", str, True),
    Arg("page", "page", "query", int, True, "page"),
    Arg("pagesize", "pagesize", "query", str, True, "size"),
    Arg("page_size", "pageSize", "query", str, False, "size"),
    Arg("search", "search", "query", str, False, "search"),
    Arg("order", "order", "query", str, False, "order"),
)


async def test_paged_handler_receives_one_paging_and_exposes_the_query_parameters() -> None:
    seen: list[Paging] = []

    async def get_thing(thing_id: str, *, paging: Paging) -> str:
        seen.append(paging)
        return thing_id

    bound = _bind_one(get_thing, _sig("getThing", *_PAGED_ARGS)).operations["getThing"]
    assert list(inspect.signature(bound).parameters) == ["thing_id", "page", "pagesize", "page_size", "search", "order"]
    assert await bound(thing_id="t", page=2, pagesize="10", search="x") == "t"
    assert await bound(thing_id="t", page=0, pagesize="10", page_size="7", order="name desc") == "t"
    assert await bound(thing_id="t", page=0, pagesize="all") == "t"
    assert seen == [
        Paging(page=2, size=10, search="x"),
        # `pageSize` (no spec default: the request gave it) wins over `pagesize`'s default.
        Paging(page=0, size=7, order="name desc"),
        Paging(page=0, size=None, unbounded=True),
    ]
    assert seen[2].size_text == "all" and seen[0].page_size(25) == 10 and Paging().page_size(25) == 25


def test_build_paging_prefers_the_given_then_the_later_spelling() -> None:
    both_optional = (
        Arg("pagesize", "pagesize", "query", str, False, "size"),
        Arg("page_size", "pageSize", "query", str, False, "size"),
    )
    assert wiring.build_paging(both_optional, {"pagesize": "2", "page_size": "1"}).size == 1
    assert wiring.build_paging(both_optional, {"pagesize": "2"}).size == 2
    defaulted = (
        Arg("pagesize", "pagesize", "query", str, True, "size"),
        Arg("page_size", "pageSize", "query", str, False, "size"),
    )
    assert wiring.build_paging(defaulted, {"pagesize": "25", "page_size": "3"}).size == 3
    assert wiring.build_paging(defaulted, {"pagesize": "25"}).size == 25
    assert wiring.build_paging(defaulted, {"pagesize": ""}) == Paging()


def test_paged_handler_must_not_redeclare_paging_parameters() -> None:
    async def get_thing(thing_id: str, *, page: int = 0, pagesize: str | None = None) -> None:
        return None

    with pytest.raises(wiring.WiringError) as caught:
        _bind_one(get_thing, _sig("getThing", *_PAGED_ARGS))
    message = str(caught.value)
    assert "parameter `page` (query `page`) is paging; take `paging: Paging` instead" in message
    assert "missing parameter `paging: Paging` (the operation is paged by page, pagesize, pageSize, search, order)" in (
        message
    )


_GROUPED_ARGS = (
    Arg("thing_id", "thingID", "path", str, True),
    Arg("version", "version", "query", str, False, group="RelationshipFilter", field="version"),
    Arg("kind", "kind", "query", str, False, group="RelationshipFilter", field="kind"),
    Arg("limit", "limit", "query", int, False),
)


async def test_grouped_handler_receives_one_group_and_exposes_the_query_parameters() -> None:
    seen: list[tuple[RelationshipFilter, int | None]] = []

    async def get_thing(thing_id: str, *, relationship_filter: RelationshipFilter, limit: int | None = None) -> str:
        seen.append((relationship_filter, limit))
        return thing_id

    bound = _bind_one(get_thing, _sig("getThing", *_GROUPED_ARGS)).operations["getThing"]
    assert bound is not get_thing
    assert list(inspect.signature(bound).parameters) == ["thing_id", "limit", "version", "kind"]
    assert await bound(thing_id="t", kind="edge", limit=3) == "t"
    assert await bound(thing_id="u") == "u"
    assert seen == [(RelationshipFilter(kind="edge"), 3), (RelationshipFilter(), None)]


async def test_grouped_and_paged_handler_receives_both() -> None:
    seen: list[tuple[RelationshipFilter, Paging]] = []

    async def get_thing(thing_id: str, *, relationship_filter: RelationshipFilter, paging: Paging) -> None:
        seen.append((relationship_filter, paging))

    args = (*_PAGED_ARGS, *_GROUPED_ARGS[1:3])
    bound = _bind_one(get_thing, _sig("getThing", *args)).operations["getThing"]
    params = list(inspect.signature(bound).parameters)
    assert params == ["thing_id", "page", "pagesize", "page_size", "search", "order", "version", "kind"]
    await bound(thing_id="t", page=1, pagesize="5", version="v1.0.0", kind="edge")
    assert seen == [(RelationshipFilter(version="v1.0.0", kind="edge"), Paging(page=1, size=5))]


def test_grouped_handler_must_take_the_group_argument() -> None:
    async def get_thing(thing_id: str, *, limit: int | None = None) -> None:
        return None

    with pytest.raises(wiring.WiringError) as caught:
        _bind_one(get_thing, _sig("getThing", *_GROUPED_ARGS))
    message = str(caught.value)
    assert "handlers.things.get_thing of getThing (GET /x): missing parameter `relationship_filter: " in message
    assert "`relationship_filter: RelationshipFilter` (the group of query version, kind)" in message


def test_grouped_handler_must_not_redeclare_group_parameters() -> None:
    async def get_thing(
        thing_id: str, *, relationship_filter: RelationshipFilter, kind: str | None = None, limit: int | None = None
    ) -> None:
        return None

    with pytest.raises(wiring.WiringError) as caught:
        _bind_one(get_thing, _sig("getThing", *_GROUPED_ARGS))
    message = str(caught.value)
    assert "getThing (GET /x): parameter `kind` (query `kind`) is in group RelationshipFilter; take " in message
    assert "take `relationship_filter: RelationshipFilter` instead" in message
    assert "missing parameter" not in message


def test_group_argument_must_have_the_group_type() -> None:
    async def get_thing(thing_id: str, *, relationship_filter: ComponentFilter, limit: int | None = None) -> None:
        return None

    with pytest.raises(wiring.WiringError, match=r"parameter `relationship_filter` is `ComponentFilter`, expected "
                       r"`RelationshipFilter`"):
        _bind_one(get_thing, _sig("getThing", *_GROUPED_ARGS))


def test_real_grouped_operations_expose_the_query_parameters() -> None:
    bound = wiring.bind(OPERATIONS, ROOT_FIELDS)
    registry_groups = {"ComponentFilter", "ModelFilter", "RelationshipFilter"}
    grouped = {op_id: sig.groups for op_id, sig in SIGNATURES.items() if set(sig.groups) & registry_groups}
    assert grouped["getMeshmodelComponentsByName"] == ("ComponentFilter",)
    assert grouped["getRegistryModels"] == ("ModelFilter",)
    assert grouped["getMeshmodelRelationshipsByModelAndName"] == ("RelationshipFilter",)
    assert len(grouped) == 30
    for op_id in grouped:
        params = inspect.signature(bound.operations[op_id]).parameters
        assert "version" in params and not {"component_filter", "model_filter", "relationship_filter"} & set(params)
    components = inspect.signature(bound.operations["getMeshmodelComponents"]).parameters
    assert {"version", "api_version", "trim", "annotations", "status"} <= set(components)


def test_aliases_bind_to_one_function() -> None:
    registry = SIGNATURES["getRegistryModels"]
    assert registry.alias_of == "getMeshmodelModels"
    assert OPERATIONS["getRegistryModels"].handler == OPERATIONS["getMeshmodelModels"].handler
    bound = wiring.bind(OPERATIONS, ROOT_FIELDS)
    aliases = [s for s in SIGNATURES.values() if s.alias_of]
    assert len(aliases) == 34  # 33 + POST /api/registry/relationships/evaluate
    for sig in aliases:
        assert sig.alias_of is not None
        assert bound.operations[sig.operation_id] is bound.operations[sig.alias_of], sig.operation_id


def test_real_paged_operations_expose_both_page_size_spellings() -> None:
    bound = wiring.bind(OPERATIONS, ROOT_FIELDS)
    paged = [op_id for op_id, sig in SIGNATURES.items() if sig.paged]
    assert "getWorkspaces" in paged and "getMeshmodelComponents" in paged and "getEvents" in paged
    for op_id in paged:
        params = inspect.signature(bound.operations[op_id]).parameters
        assert {"page", "pagesize", "page_size"} <= set(params), op_id
        assert "paging" not in params, op_id
