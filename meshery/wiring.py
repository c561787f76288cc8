"""Bind the generated operation and resolver tables to hand-written functions.

Fails at start-up, naming both sides, when a spec operation or a GraphQL root
field has no function, when a handler module defines a public function that
nothing in the spec reaches (a forgotten route or a typo), or when a REST
handler's parameters (names, kinds, annotated types, defaults) or its declared
answer model disagree with the operation's generated signature
(``generated.handler_types.SIGNATURES``).

Handlers of paged operations take one ``paging: Paging``; the function bound
for the request layer exposes the individual query parameters instead (the
request layer reads ``inspect.signature`` to decide what to pass) and builds
the ``Paging`` from them on each call. Parameter groups (``x-group``) fold
the same way: one argument per group (``component_filter: ComponentFilter``),
built from the group's query parameters on each call.
"""

from __future__ import annotations

import functools
import importlib
import inspect
import pkgutil
import types
import typing
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from generated.graphql_schema import RootField
from generated.handler_types import GROUPS, SIGNATURES, Arg, Paging, Signature
from generated.operations import OperationInfo

HANDLER_PACKAGE = "handlers"
PAGING_ARG = "paging"


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


def _type_name(hint: Any) -> str:
    if isinstance(hint, type) and not isinstance(hint, types.GenericAlias):
        return hint.__name__
    return str(hint).replace("typing.", "")


def _members(hint: Any) -> tuple[Any, ...]:
    if isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union:
        return typing.get_args(hint)
    return (hint,)


def accepts(hint: Any, expected: Any) -> bool:
    """True when a parameter annotated ``hint`` accepts every value of type ``expected``."""
    if hint is Any or hint is object or expected is Any:
        return True
    return any(_accepts_one(member, expected) for member in _members(hint))


def _accepts_one(hint: Any, expected: Any) -> bool:
    if hint is Any or hint is object:
        return True
    hint_origin, expected_origin = typing.get_origin(hint) or hint, typing.get_origin(expected) or expected
    if not isinstance(hint_origin, type) or not isinstance(expected_origin, type):
        return bool(hint == expected)
    if not issubclass(expected_origin, hint_origin):
        return False
    hint_args, expected_args = typing.get_args(hint), typing.get_args(expected)
    if not hint_args or not expected_args:
        return True
    if len(hint_args) != len(expected_args):
        return False
    return all(accepts(h, e) for h, e in zip(hint_args, expected_args, strict=True))


def _is_generated_model(hint: Any) -> bool:
    return any(
        isinstance(t, type) and t.__module__ == "generated.models"
        for member in _members(hint)
        for t in (member, *typing.get_args(member))
    )


_PLAIN_RETURNS = frozenset({"Any", "None", "object"})
# Checked (handler, signature, where) -> problems: apps built again in one process pay nothing.
_CHECKED: dict[tuple[Callable[..., Any], Signature, str], tuple[str, ...]] = {}


def _plainly_agrees(func: Callable[..., Any], sig: Signature) -> bool:
    """True when every annotation's text is the spec's type as written (``int``, ``int | None``...).

    Evaluating annotations costs most of the check; text that already says what the spec says needs none.
    """
    expected: dict[str, Any] = {a.name: a.type for a in sig.args}
    expected[PAGING_ARG] = Paging
    for group in sig.groups:
        arg_name, cls = GROUPS[group]
        expected[arg_name] = cls
    for name, text in getattr(func, "__annotations__", {}).items():
        if not isinstance(text, str):
            return False
        if name == "return":
            if text not in _PLAIN_RETURNS and not text.startswith("http."):
                return False
            continue
        if name not in expected:
            return False
        if expected[name] is Any:
            continue
        spelled = _type_name(expected[name])
        if text not in (spelled, f"{spelled} | None", f"None | {spelled}", "Any"):
            return False
    return True


def check_signature(func: Callable[..., Any], sig: Signature, where: str) -> list[str]:
    """Every way ``func`` disagrees with the operation's generated signature (empty when it agrees)."""
    key = (func, sig, where)
    if key not in _CHECKED:
        _CHECKED[key] = tuple(_check_signature(func, sig, where))
    return list(_CHECKED[key])


def _check_signature(func: Callable[..., Any], sig: Signature, where: str) -> list[str]:
    problems: list[str] = []
    params = inspect.signature(func).parameters
    try:
        hints = {} if _plainly_agrees(func, sig) else typing.get_type_hints(func)
    except (NameError, TypeError) as exc:
        return [f"{where}: its annotations cannot be resolved ({exc})"]
    own = {a.name: a for a in sig.args if a.paging is None and a.group is None}
    folded = {a.name: a for a in sig.args if a.paging is not None}
    grouped = {a.name: a for a in sig.args if a.group is not None}
    group_args = {GROUPS[g][0]: (g, GROUPS[g][1]) for g in sig.groups}
    declared = ", ".join([*own, *group_args, *(["paging"] if folded else [])]) or "none"
    for name, param in params.items():
        if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
            stars = "*" if param.kind == param.VAR_POSITIONAL else "**"
            problems.append(f"{where}: takes `{stars}{name}`; name the operation's parameters instead ({declared})")
        elif param.kind == param.POSITIONAL_ONLY:
            problems.append(f"{where}: parameter `{name}` is positional-only; parameters are passed by keyword")
        elif name in folded:
            problems.append(
                f"{where}: parameter `{name}` (query `{folded[name].wire}`) is paging; take `paging: Paging` instead"
            )
        elif name in grouped:
            arg = grouped[name]
            problems.append(
                f"{where}: parameter `{name}` (query `{arg.wire}`) is in group {arg.group}; take "
                f"`{GROUPS[str(arg.group)][0]}: {arg.group}` instead"
            )
        elif name in group_args:
            group, cls = group_args[name]
            if name in hints and not accepts(hints[name], cls):
                problems.append(f"{where}: parameter `{name}` is `{_type_name(hints[name])}`, expected `{group}`")
        elif name == PAGING_ARG and folded:
            if name in hints and not accepts(hints[name], Paging):
                problems.append(f"{where}: parameter `paging` is `{_type_name(hints[name])}`, expected `Paging`")
        elif name not in own:
            problems.append(
                f"{where}: parameter `{name}` is not a parameter of the operation (it declares: {declared})"
            )
        else:
            arg = own[name]
            if name in hints and not accepts(hints[name], arg.type):
                problems.append(
                    f"{where}: parameter `{name}` is `{_type_name(hints[name])}`, but the spec's {arg.source} "
                    f"`{arg.wire}` is `{_type_name(arg.type)}`"
                )
            if not arg.always and param.default is param.empty:
                problems.append(
                    f"{where}: parameter `{name}` needs a default: a request may leave out {arg.source} `{arg.wire}`"
                )
    accepted = set(params) if not any(p.kind == p.VAR_KEYWORD for p in params.values()) else set(params) | set(own)
    for arg in own.values():
        if arg.name not in accepted:
            required = "required " if arg.always else ""
            problems.append(
                f"{where}: missing parameter `{arg.name}` for the spec's {required}{arg.source} `{arg.wire}`"
            )
    if folded and PAGING_ARG not in params:
        by = ", ".join(a.wire for a in folded.values())
        problems.append(f"{where}: missing parameter `paging: Paging` (the operation is paged by {by})")
    for arg_name, (group, _) in group_args.items():
        if arg_name not in params:
            by = ", ".join(a.wire for a in grouped.values() if a.group == group)
            problems.append(f"{where}: missing parameter `{arg_name}: {group}` (the group of query {by})")
    returned = hints.get("return")
    if returned is not None and _is_generated_model(returned) and sig.returns is not None:
        if not accepts(sig.returns, returned):
            problems.append(
                f"{where}: returns `{_type_name(returned)}`, but the spec's answer is `{_type_name(sig.returns)}`"
            )
    elif returned is not None and _is_generated_model(returned):
        problems.append(f"{where}: returns `{_type_name(returned)}`, but the spec's answer names no model")
    return problems


def _size(value: Any) -> tuple[int | None, bool]:
    if value is None or value == "":
        return None, False
    if isinstance(value, str):
        return (None, True) if value.lower() == "all" else (int(value), False)
    return int(value), False


def paging_order(args: Iterable[Arg]) -> tuple[Arg, ...]:
    """The paging arguments in the order their values are taken (computed once per operation).

    Of two spellings of one field (``pagesize``, ``pageSize``) the one the request gave wins over a
    spec default; when it gave both, the later-declared one (upstream's newer ``pageSize``) wins. A
    parameter without a spec default is present only when the request gave it, so it goes first.
    """
    ranked = sorted(enumerate(args), key=lambda pair: (pair[1].always, -pair[0]))
    return tuple(arg for _, arg in ranked if arg.paging is not None)


def build_paging(args: Iterable[Arg], values: Mapping[str, Any]) -> Paging:
    """The ``Paging`` of one request (see ``paging_order`` for which spelling wins)."""
    return _paging_of(paging_order(args), values)


def _paging_of(ordered: tuple[Arg, ...], values: Mapping[str, Any]) -> Paging:
    fields: dict[str, Any] = {}
    for arg in ordered:
        value = values.get(arg.name)
        if value is None or arg.paging in fields:
            continue
        fields[str(arg.paging)] = value
    size, unbounded = _size(fields.pop("size", None))
    return Paging(
        # ``pagesize=all`` is every item from the first, whatever page was asked (as upstream).
        page=0 if unbounded else int(fields.get("page") or 0),
        size=size,
        unbounded=unbounded,
        search=fields.get("search"),
        order=fields.get("order"),
        sort=fields.get("sort"),
    )


def build_group(group: str, args: Iterable[Arg], values: Mapping[str, Any]) -> Any:
    """The ``group`` dataclass of one request: each field from its query parameter, None when not given."""
    cls = GROUPS[group][1]
    return cls(**{str(a.field): values.get(a.name) for a in args if a.group == group})


def adapt_paging(func: Callable[..., Any], sig: Signature) -> Callable[..., Any]:
    """``func`` (taking ``paging`` and group arguments) as a function taking the folded query parameters."""
    folded = tuple(a for a in sig.args if a.paging is not None)
    ordered = paging_order(folded)
    grouped = tuple(a for a in sig.args if a.group is not None)
    names = {a.name for a in (*folded, *grouped)}
    group_args = {g: GROUPS[g][0] for g in sig.groups}

    @functools.wraps(func)
    async def paged(**kwargs: Any) -> Any:
        values = {name: kwargs.pop(name) for name in names if name in kwargs}
        for group, arg_name in group_args.items():
            kwargs[arg_name] = build_group(group, grouped, values)
        if folded:
            kwargs[PAGING_ARG] = _paging_of(ordered, values)
        return await func(**kwargs)

    hidden = {*group_args.values(), *([PAGING_ARG] if folded else [])}
    own = [p for p in inspect.signature(func).parameters.values() if p.name not in hidden]
    extra = [
        inspect.Parameter(a.name, inspect.Parameter.KEYWORD_ONLY, default=None, annotation=Any)
        for a in (*folded, *grouped)
    ]
    paged.__signature__ = inspect.signature(func).replace(parameters=[*own, *extra])  # type: ignore[attr-defined]
    del paged.__wrapped__
    return paged


def bind(
    operations: Mapping[str, OperationInfo],
    root_fields: Iterable[RootField],
    *,
    modules: Iterable[str] | None = None,
    import_module: Callable[[str], ModuleType] = importlib.import_module,
    signatures: Mapping[str, Signature] = SIGNATURES,
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
    adapted: dict[str, Callable[..., Any]] = {}
    expected: set[str] = set()
    for op_id, info in operations.items():
        expected.add(info.handler)
        func = lookup(info.handler, f"spec operation {op_id} ({info.method} {info.path})")
        if func is None:
            continue
        if not inspect.iscoroutinefunction(func):
            problems.append(f"handler {info.handler} of {op_id} must be `async def`")
        sig = signatures.get(op_id)
        if sig is None:
            ops[op_id] = func
            continue
        where = f"handler {info.handler} of {op_id} ({info.method} {info.path})"
        found = check_signature(func, sig, where)
        problems += found
        if found or not (sig.paged or sig.groups):
            ops[op_id] = func
        else:
            # Twins (x-alias-of) share one handler, so they share one adapted function too.
            if info.handler not in adapted:
                adapted[info.handler] = adapt_paging(func, sig)
            ops[op_id] = adapted[info.handler]

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
