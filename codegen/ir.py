"""Typed intermediate model shared by every emitter (server tables, SDKs, docs).

Nothing here knows about templates or files: loaders build these objects from
the sources, emitters only read them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


class CodegenError(Exception):
    """A source cannot be turned into code; the message names the culprit."""


def snake_case(name: str) -> str:
    """``getSystemVersion`` -> ``get_system_version``; ``k8sClusterIDs`` -> ``k8s_cluster_ids``."""
    step = re.sub(r"[^0-9A-Za-z]+", "_", name)
    # A plural acronym (IDs, URLs) is one word, not "I_Ds".
    step = re.sub(r"([A-Z])([A-Z]+)s(?=$|[A-Z_0-9])", lambda m: m.group(1) + m.group(2).lower() + "s", step)
    step = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", step)
    step = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", step)
    return step.strip("_").lower()


def module_name(tag: str) -> str:
    """Python module name of an API area (OpenAPI tag or GraphQL file stem)."""
    name = snake_case(tag)
    if not name or not name.isidentifier():
        raise CodegenError(f"tag {tag!r} does not make a valid Python module name")
    return name


@dataclass(frozen=True)
class Parameter:
    name: str
    location: str
    required: bool
    schema: dict[str, Any]
    description: str = ""
    # Which field of the one paging type this parameter fills (``x-paging``), if any.
    paging: str | None = None
    # Which parameter group and field this parameter fills (``x-group: <Group>.<field>``), if any.
    group: str | None = None
    group_field: str | None = None
    # The parameter this one is another spelling of (``x-spelling-of: <name>``): both reach the
    # handler as one argument (e.g. ``orgId`` and ``orgID`` as ``org_id``), the first one given wins.
    spelling_of: str | None = None
    # What the lenient reader accepts beyond the schema (``x-lenient``: ``values``, ``jsonArray``).
    lenient: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RequestBody:
    required: bool
    media_types: tuple[str, ...]
    schema: dict[str, Any]


@dataclass(frozen=True)
class Response:
    status: str
    description: str
    media_types: tuple[str, ...]
    schema: dict[str, Any] | None


@dataclass(frozen=True)
class Operation:
    operation_id: str
    method: str
    path: str
    tag: str
    summary: str
    description: str
    security: tuple[str, ...]
    parameters: tuple[Parameter, ...]
    request_body: RequestBody | None
    responses: tuple[Response, ...]
    source: str
    # What an unauthenticated request gets: "error" (401 envelope, APIs) or
    # "redirect" (upstream's login redirect, for pages a browser opens).
    unauthenticated: str = "error"
    # The operationId whose handler also serves this one (``x-alias-of``), if any.
    alias_of: str | None = None

    @property
    def paged(self) -> bool:
        """True when some parameter fills the paging type (the handler takes ``paging``)."""
        return any(p.paging for p in self.parameters)

    @property
    def groups(self) -> tuple[str, ...]:
        """The parameter groups (``x-group``) whose parameters the handler takes as one argument each."""
        return tuple(dict.fromkeys(p.group for p in self.parameters if p.group))

    @property
    def public(self) -> bool:
        """True when the operation needs no provider session."""
        return not self.security

    @property
    def python_name(self) -> str:
        return snake_case(self.operation_id)

    @property
    def handler(self) -> str:
        """Dotted path of the hand-written function implementing the operation."""
        return f"handlers.{module_name(self.tag)}.{snake_case(self.alias_of or self.operation_id)}"


@dataclass(frozen=True)
class Tag:
    name: str
    description: str

    @property
    def module(self) -> str:
        return f"handlers.{module_name(self.name)}"


@dataclass
class ApiModel:
    """The bundled OpenAPI document and what the emitters need from it."""

    spec: dict[str, Any]
    operations: list[Operation] = field(default_factory=list)
    tags: list[Tag] = field(default_factory=list)
    sources: dict[str, str] = field(default_factory=dict)

    @property
    def title(self) -> str:
        return str(self.spec["info"]["title"])

    @property
    def version(self) -> str:
        return str(self.spec["info"]["version"])

    @property
    def schemas(self) -> dict[str, Any]:
        return dict(self.spec.get("components", {}).get("schemas", {}))

    @property
    def security_schemes(self) -> dict[str, Any]:
        return dict(self.spec.get("components", {}).get("securitySchemes", {}))


@dataclass(frozen=True)
class GraphQLRootField:
    """A Query, Mutation or Subscription field and the function resolving it."""

    type_name: str
    name: str
    area: str
    description: str
    args: tuple[tuple[str, str], ...] = ()
    aliases: tuple[tuple[str, str], ...] = ()
    """(argument, the argument it is a second spelling of) pairs, from ``@alias(of:)``."""

    @property
    def python_args(self) -> tuple[tuple[str, str], ...]:
        """(GraphQL argument, Python keyword) pairs; an alias gets its target's keyword."""
        targets = dict(self.aliases)
        return tuple((arg, snake_case(targets.get(arg, arg))) for arg, _ in self.args)

    @property
    def function(self) -> str:
        name = snake_case(self.name)
        if self.type_name != "Subscription":
            return f"resolve_{name}"
        # Upstream names most subscriptions subscribeXxx already.
        return name if name.startswith("subscribe_") else f"subscribe_{name}"

    @property
    def handler(self) -> str:
        return f"handlers.{module_name(self.area)}.{self.function}"


@dataclass
class GraphQLModel:
    sdl: str
    root_fields: list[GraphQLRootField]
    sources: dict[str, str]


@dataclass(frozen=True)
class ErrorDef:
    name: str
    code: str
    severity: str
    short: str
    http_status: int | None
    long: tuple[str, ...]
    cause: tuple[str, ...]
    remedy: tuple[str, ...]


@dataclass
class ErrorCatalog:
    component: dict[str, Any]
    errors: list[ErrorDef]
    source: str
