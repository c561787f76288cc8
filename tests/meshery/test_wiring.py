"""Binding the generated tables to handlers fails loudly, naming both sides."""

from __future__ import annotations

import types
from collections.abc import Callable

import pytest

from generated.graphql_schema import ROOT_FIELDS, RootField
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
