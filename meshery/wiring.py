"""Bind the generated operation and resolver tables to hand-written functions.

Fails at start-up, naming both sides, when a spec operation or a GraphQL root
field has no function, or when a handler module defines a public function that
nothing in the spec reaches (a forgotten route or a typo).
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from generated.graphql_schema import RootField
from generated.operations import OperationInfo

HANDLER_PACKAGE = "handlers"


class WiringError(Exception):
    """The spec and the handlers disagree; the message lists every mismatch."""


@dataclass(frozen=True)
class Wiring:
    operations: dict[str, Callable[..., Any]]
    root_fields: dict[tuple[str, str], Callable[..., Any]]
    root_args: dict[tuple[str, str], dict[str, str]]


def _module_file(module: str) -> str:
    return module.replace(".", "/") + ".py"


def _split(dotted: str) -> tuple[str, str]:
    module, _, name = dotted.rpartition(".")
    return module, name


def discover_modules(package: str = HANDLER_PACKAGE) -> list[str]:
    pkg = importlib.import_module(package)
    return sorted(
        f"{package}.{info.name}" for info in pkgutil.iter_modules(pkg.__path__) if not info.name.startswith("_")
    )


def bind(
    operations: Mapping[str, OperationInfo],
    root_fields: Iterable[RootField],
    *,
    modules: Iterable[str] | None = None,
    import_module: Callable[[str], ModuleType] = importlib.import_module,
) -> Wiring:
    """Resolve every operation and root field; raise WiringError listing all problems."""
    problems: list[str] = []
    loaded: dict[str, ModuleType | None] = {}

    def load(module: str) -> ModuleType | None:
        if module not in loaded:
            try:
                loaded[module] = import_module(module)
            except ModuleNotFoundError as exc:
                if exc.name != module:
                    raise
                loaded[module] = None
        return loaded[module]

    def lookup(dotted: str, what: str) -> Callable[..., Any] | None:
        module_name, func_name = _split(dotted)
        module = load(module_name)
        func = getattr(module, func_name, None) if module is not None else None
        if func is None or not callable(func):
            problems.append(f"{what} has no handler: define `{func_name}` in {_module_file(module_name)}")
            return None
        return func  # type: ignore[no-any-return]

    ops: dict[str, Callable[..., Any]] = {}
    expected: set[str] = set()
    for op_id, info in operations.items():
        expected.add(info.handler)
        func = lookup(info.handler, f"spec operation {op_id} ({info.method} {info.path})")
        if func is not None:
            if not inspect.iscoroutinefunction(func):
                problems.append(f"handler {info.handler} of {op_id} must be `async def`")
            ops[op_id] = func

    roots: dict[tuple[str, str], Callable[..., Any]] = {}
    root_args: dict[tuple[str, str], dict[str, str]] = {}
    for field in root_fields:
        root_args[(field.type_name, field.name)] = dict(field.args)
        expected.add(field.handler)
        func = lookup(field.handler, f"GraphQL field {field.type_name}.{field.name}")
        if func is not None:
            roots[(field.type_name, field.name)] = func

    for module_name in modules if modules is not None else discover_modules():
        module = load(module_name)
        if module is None:
            continue
        for name, obj in vars(module).items():
            if name.startswith("_") or not inspect.isfunction(obj) or obj.__module__ != module_name:
                continue
            if f"{module_name}.{name}" not in expected:
                problems.append(
                    f"{_module_file(module_name)}: function `{name}` matches no spec operation "
                    f"or GraphQL field (make helpers private with a leading underscore)"
                )
    if problems:
        raise WiringError("spec and handlers disagree:\n  " + "\n  ".join(problems))
    return Wiring(operations=ops, root_fields=roots, root_args=root_args)
