"""One span and one metrics sample per GraphQL operation over HTTP (an Ariadne extension).

The span starts when Ariadne starts the request and is current while it executes, so the
statements and calls of the resolvers are its children (and it is itself a child of the
HTTP request's span). It is named ``<type> <operationName>`` (``query getMeshModelSummary``)
from the root field's resolve info, the first time a root field resolves. A document that
fails to parse or validate keeps the name ``graphql`` and counts as an error.

``extensions`` is what the HTTP handler asks per request: nothing while tracing and
metrics are off, so Ariadne then wraps no resolver.
"""

from __future__ import annotations

import time
from typing import Any

from ariadne.types import Extension, ExtensionList, Resolver
from graphql import GraphQLError, GraphQLResolveInfo
from opentelemetry.trace import SpanKind, Status, StatusCode

from meshery.observability import metrics, tracing
from meshery.observability.spans import Span

UNNAMED = "anonymous"


class OperationExtension(Extension):
    """Times, names and traces one GraphQL operation."""

    def __init__(self) -> None:
        self.started = 0.0
        self.kind = "unknown"
        self.name = UNNAMED
        self.named = False
        self.failed = False
        self.span: Span | None = None
        self.token: tracing.Token | None = None

    def request_started(self, context: Any) -> None:
        self.started = time.perf_counter()
        self.span = tracing.start("graphql", kind=SpanKind.INTERNAL, attributes={"graphql.operation.type": "unknown"})
        if self.span is not None:
            self.token = tracing.activate(self.span)

    def resolve(self, next_: Resolver, obj: Any, info: GraphQLResolveInfo[Any], **kwargs: Any) -> Any:
        if not self.named and info.path.prev is None:
            self.named = True
            self.kind = info.operation.operation.value
            self.name = info.operation.name.value if info.operation.name else UNNAMED
            if self.span is not None:
                self.span.update_name(f"{self.kind} {self.name}")
                self.span.set_attribute("graphql.operation.type", self.kind)
                self.span.set_attribute("graphql.operation.name", self.name)
        return next_(obj, info, **kwargs)

    def has_errors(self, errors: list[GraphQLError], context: Any) -> None:
        self.failed = True
        if self.span is not None:
            self.span.set_status(Status(StatusCode.ERROR, errors[0].message if errors else None))

    def request_finished(self, context: Any) -> None:
        if self.token is not None:
            tracing.deactivate(self.token)
        if self.span is not None:
            self.span.end()
        metrics.graphql_done(self.kind, self.name, ok=not self.failed, seconds=time.perf_counter() - self.started)


def extensions(_request: Any, _context: Any) -> ExtensionList:
    """The extensions of one request: the operation observer while traces or metrics are on."""
    if tracing.ON or metrics.ON:
        return [OperationExtension]
    return []
