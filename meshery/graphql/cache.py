"""Bounded caches of parsed and validated GraphQL documents.

Parsing and validating dominate the cost of small queries (about 7x,
measured by bench/graphql_cache.py). Both caches are keyed on the query
text, so equal queries from different clients share one entry; the oldest
entries go first once ``maxsize`` is reached.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Collection
from typing import Any, Generic, TypeVar

from graphql import DocumentNode, GraphQLError, GraphQLSchema, parse, validate
from graphql.validation import ASTValidationRule

K = TypeVar("K")
V = TypeVar("V")


class LRU(Generic[K, V]):
    def __init__(self, maxsize: int) -> None:
        self.maxsize = maxsize
        self._items: OrderedDict[K, V] = OrderedDict()
        self.hits = 0
        self.misses = 0

    def get(self, key: K) -> V | None:
        value = self._items.get(key)
        if value is None:
            self.misses += 1
            return None
        self.hits += 1
        self._items.move_to_end(key)
        return value

    def put(self, key: K, value: V) -> None:
        self._items[key] = value
        self._items.move_to_end(key)
        while len(self._items) > self.maxsize:
            self._items.popitem(last=False)

    def __len__(self) -> int:
        return len(self._items)


class DocumentCache:
    """``query_parser`` and ``query_validator`` for Ariadne, with bounded caches."""

    def __init__(self, maxsize: int = 512) -> None:
        self.parsed: LRU[str, DocumentNode] = LRU(maxsize)
        self.validated: LRU[tuple[int, str, tuple[type[ASTValidationRule], ...]], list[GraphQLError]] = LRU(maxsize)

    def parse(self, _context: Any, data: dict[str, Any]) -> DocumentNode:
        query = data["query"]
        document = self.parsed.get(query)
        if document is None:
            document = parse(query)  # a GraphQLError is not cached: it is cheap to redo
            self.parsed.put(query, document)
        return document

    def validate(
        self,
        schema: GraphQLSchema,
        document_ast: DocumentNode,
        rules: Collection[type[ASTValidationRule]] | None = None,
        max_errors: int | None = None,
        **_kwargs: Any,
    ) -> list[GraphQLError]:
        body = document_ast.loc.source.body if document_ast.loc is not None else None
        if body is None:
            return validate(schema, document_ast, rules, max_errors)
        key = (id(schema), body, tuple(rules or ()))
        result = self.validated.get(key)
        if result is None:
            result = validate(schema, document_ast, rules, max_errors)
            self.validated.put(key, result)
        return result
