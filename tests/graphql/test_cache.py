"""The document cache: bounded, keyed on query text, validation errors kept."""

from __future__ import annotations

import pytest
from graphql import GraphQLError, build_schema

from meshery.graphql.cache import LRU, DocumentCache

SCHEMA = build_schema("type Query { a: Int b: Int }")


def test_lru_evicts_least_recently_used() -> None:
    lru: LRU[str, int] = LRU(2)
    lru.put("a", 1)
    lru.put("b", 2)
    assert lru.get("a") == 1  # a is now the most recent
    lru.put("c", 3)
    assert lru.get("b") is None
    assert (lru.get("a"), lru.get("c"), len(lru)) == (1, 3, 2)
    assert (lru.hits, lru.misses) == (3, 1)


def test_same_text_parses_once() -> None:
    cache = DocumentCache(4)
    first = cache.parse(None, {"query": "{ a }"})
    assert cache.parse(None, {"query": "{ a }"}) is first
    assert cache.parsed.hits == 1


def test_validation_results_are_cached_including_errors() -> None:
    cache = DocumentCache(4)
    good = cache.parse(None, {"query": "{ a }"})
    bad = cache.parse(None, {"query": "{ nope }"})
    assert cache.validate(SCHEMA, good) == []
    assert cache.validate(SCHEMA, good) == []
    errors = cache.validate(SCHEMA, bad)
    assert errors and "nope" in errors[0].message
    assert cache.validate(SCHEMA, bad) is errors
    assert cache.validated.hits == 2


def test_cache_is_bounded() -> None:
    cache = DocumentCache(3)
    for i in range(10):
        cache.validate(SCHEMA, cache.parse(None, {"query": f"query Q{i} {{ a }}"}))
    assert len(cache.parsed) == 3 and len(cache.validated) == 3


def test_syntax_errors_are_raised_not_cached() -> None:
    cache = DocumentCache(3)
    with pytest.raises(GraphQLError):
        cache.parse(None, {"query": "{"})
    assert len(cache.parsed) == 0
