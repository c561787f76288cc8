"""Typed handler signatures from the codegen IR (``generated/handler_types.py``).

For every REST operation: the keyword arguments its handler takes, named as
the request layer passes them (Connexion's ``pythonic_params``: snake_case,
a trailing ``_`` on builtins and keywords), their Python types from the
parameter schemas, whether a request may leave them out, the request body
argument, the generated model of the 2xx answer when the spec names one, and
which query parameters fill the one ``Paging`` argument (``x-paging``), and
the parameter groups (``x-group: <Group>.<field>``): one frozen dataclass per
group, filled from its query parameters and passed as one argument named in
snake_case (``ComponentFilter`` -> ``component_filter``).
``meshery.wiring.bind`` checks each handler against this table; the emitted
Protocols state the same parameters to a type checker.
"""

from __future__ import annotations

import builtins
import keyword
import re
from dataclasses import dataclass
from typing import Any

from codegen.ir import ApiModel, CodegenError, Operation, Parameter, snake_case
from codegen.openapi import PAGING_FIELDS
from codegen.render import render

FORM_MEDIA_TYPES = ("multipart/form-data", "application/x-www-form-urlencoded")
SCALARS = {"integer": "int", "number": "float", "boolean": "bool", "string": "str"}
PAGING_ARG = "paging"


@dataclass(frozen=True)
class Arg:
    """One keyword argument of a handler."""

    name: str
    wire: str
    source: str
    type: str
    always: bool
    paging: str | None = None
    group: str | None = None
    field: str | None = None


@dataclass(frozen=True)
class Group:
    """One parameter group (``x-group``): a frozen dataclass of optional fields, one handler argument."""

    name: str
    fields: tuple[tuple[str, str], ...]

    @property
    def arg(self) -> str:
        return snake_case(self.name)


@dataclass(frozen=True)
class HandlerSignature:
    operation: Operation
    args: tuple[Arg, ...]
    returns: str | None

    @property
    def protocol(self) -> str:
        """Class name of the operation's Protocol (``getMeshmodelModels`` -> ``GetMeshmodelModels``)."""
        return self.operation.operation_id[:1].upper() + self.operation.operation_id[1:]

    @property
    def handler_args(self) -> tuple[Arg, ...]:
        """What the handler itself declares: the paging parameters folded into one ``paging``."""
        own = tuple(a for a in self.args if a.paging is None and a.group is None)
        grouped = tuple(Arg(snake_case(g), snake_case(g), "group", g, True) for g in self.operation.groups)
        if not self.operation.paged:
            return (*own, *grouped)
        return (*own, *grouped, Arg(PAGING_ARG, PAGING_ARG, "paging", "Paging", True))


def python_name(wire: str) -> str:
    """The keyword the request layer passes for a parameter or form field named ``wire``.

    Connexion's ``pythonic_params`` rule, restated so codegen does not import the web stack:
    inflection's underscore, a trailing ``_`` on builtins and keywords, then only identifier characters.
    """
    name = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", wire)
    name = re.sub(r"([a-z\d])([A-Z])", r"\1_\2", name).replace("-", "_").lower()
    if name in builtins.__dict__ or keyword.iskeyword(name):
        name = f"{name}_"
    name = re.sub(r"[^0-9a-zA-Z_]", "", re.sub(r"\[(?!])", "_", name))
    return re.sub(r"^[^a-zA-Z_]+", "", name)


def _resolve(spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    seen = 0
    while "$ref" in schema and seen < 32:
        target: Any = spec
        for part in schema["$ref"][2:].split("/"):
            target = target[part]
        schema, seen = target, seen + 1
    return schema


def python_type(spec: dict[str, Any], schema: dict[str, Any]) -> str:
    """The Python type a value of ``schema`` arrives as (``Any`` when the schema does not say)."""
    schema = _resolve(spec, schema)
    kind = schema.get("type")
    if kind in SCALARS:
        return SCALARS[kind]
    if kind == "array":
        return f"list[{python_type(spec, schema.get('items') or {})}]"
    if kind == "object" or "properties" in schema:
        return "dict[str, Any]"
    return "Any"


def _param_type(spec: dict[str, Any], param: Parameter) -> str:
    return python_type(spec, param.schema)


def _body_args(spec: dict[str, Any], op: Operation) -> list[Arg]:
    body = op.request_body
    if body is None:
        return []
    forms = [m for m in body.media_types if m in FORM_MEDIA_TYPES]
    # With several media types (JSON or a form, YAML text...) the body arrives in more than one shape.
    body_type = python_type(spec, body.schema) if len(body.media_types) == 1 and not forms else "Any"
    args = [Arg("body", "body", "body", body_type, True)]
    raw = _resolve(spec, spec["paths"][op.path][op.method.lower()]["requestBody"])
    for media in forms:
        schema = _resolve(spec, raw["content"][media].get("schema") or {})
        for field, prop in (schema.get("properties") or {}).items():
            if _resolve(spec, prop).get("format") == "binary" and all(a.wire != field for a in args):
                args.append(Arg(python_name(field), field, "file", "Any", False))
    return args


def _returns(spec: dict[str, Any], op: Operation, model_names: set[str]) -> str | None:
    answers = [r for r in op.responses if r.status.startswith("2") and r.schema is not None]
    if len(answers) != 1 or answers[0].schema is None:
        return None
    schema = answers[0].schema
    ref = schema.get("$ref", "")
    if schema.get("type") == "array":
        ref = (schema.get("items") or {}).get("$ref", "")
        name = ref.rpartition("/")[2]
        return f"list[models.{name}]" if name in model_names else None
    name = ref.rpartition("/")[2]
    return f"models.{name}" if name in model_names else None


def signature(api: ApiModel, op: Operation, model_names: set[str]) -> HandlerSignature:
    spec = api.spec
    args: list[Arg] = []
    wires = {p.name: python_name(p.name) for p in op.parameters}
    for param in op.parameters:
        if param.location not in ("path", "query"):
            continue  # headers and cookies are read by the middleware, never passed to handlers
        if param.spelling_of is not None:
            if wires.get(param.spelling_of) != python_name(param.name):
                raise CodegenError(
                    f"{op.method} {op.path} ({op.source}): {param.name!r} is x-spelling-of {param.spelling_of!r}, "
                    "which is not a parameter of the operation reaching the handler under the same name"
                )
            continue  # the handler takes the spelling it names
        schema = _resolve(spec, param.schema)
        always = param.location == "path" or param.required or "default" in schema
        args.append(
            Arg(
                python_name(param.name),
                param.name,
                param.location,
                _param_type(spec, param),
                always,
                param.paging,
                param.group,
                param.group_field,
            )
        )
    args += _body_args(spec, op)
    names: dict[str, str] = {}
    for arg in args:
        if arg.name in names:
            raise CodegenError(
                f"{op.method} {op.path} ({op.source}): {arg.wire!r} and {names[arg.name]!r} both reach the "
                f"handler of {op.operation_id} as `{arg.name}`"
            )
        names[arg.name] = arg.wire
    if op.paged and PAGING_ARG in names:
        raise CodegenError(f"{op.method} {op.path} ({op.source}): a paged operation cannot name a parameter `paging`")
    filled: dict[tuple[str, str], str] = {}
    for arg in args:
        if arg.group is None or arg.field is None:
            continue
        if (arg.group, arg.field) in filled:
            raise CodegenError(
                f"{op.method} {op.path} ({op.source}): {arg.wire!r} and {filled[arg.group, arg.field]!r} both fill "
                f"{arg.group}.{arg.field}"
            )
        filled[arg.group, arg.field] = arg.wire
    for group in op.groups:
        if snake_case(group) in names or (op.paged and snake_case(group) == PAGING_ARG):
            raise CodegenError(
                f"{op.method} {op.path} ({op.source}): the argument `{snake_case(group)}` of group {group} "
                "clashes with a parameter of the same name"
            )
    return HandlerSignature(operation=op, args=tuple(args), returns=_returns(spec, op, model_names))


_MODEL_CLASS = re.compile(r"^class (\w+)\(", re.MULTILINE)


def model_names(models_source: str) -> set[str]:
    """Class names defined in the emitted ``models.py``."""
    return set(_MODEL_CLASS.findall(models_source))


def signatures(api: ApiModel, models_source: str) -> list[HandlerSignature]:
    names = model_names(models_source)
    return [signature(api, op, names) for op in sorted(api.operations, key=lambda o: o.operation_id)]


def groups(sigs: list[HandlerSignature]) -> list[Group]:
    """Every parameter group, its fields in the order first declared; one field has one type everywhere."""
    fields: dict[str, dict[str, tuple[str, str]]] = {}
    for sig in sigs:
        for arg in sig.args:
            if arg.group is None or arg.field is None:
                continue
            seen = fields.setdefault(arg.group, {})
            typed, where = seen.setdefault(arg.field, (arg.type, sig.operation.operation_id))
            if typed != arg.type:
                raise CodegenError(
                    f"{arg.group}.{arg.field} is `{typed}` in {where} but `{arg.type}` in "
                    f"{sig.operation.operation_id} (query {arg.wire!r})"
                )
    return [
        Group(name, tuple((f, typed) for f, (typed, _) in by_field.items()))
        for name, by_field in sorted(fields.items())
    ]


def emit(api: ApiModel, models_source: str, header: str) -> str:
    """The text of ``generated/handler_types.py``."""
    sigs = signatures(api, models_source)
    return render(
        "handler_types.py.jinja", header=header, signatures=sigs, paging_fields=PAGING_FIELDS, groups=groups(sigs)
    )
