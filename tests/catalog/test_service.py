"""The catalog's small pieces: repeated parameters, the forwarded query, a provider's page read."""

from __future__ import annotations

import json
import uuid

import pytest

from generated import errors
from meshery.catalog import local, remote, service
from meshery.catalog.kinds import KINDS, kind
from meshery.providers.remote import Forwarded


def test_values_split_repeated_and_comma_separated() -> None:
    assert local.values(["istio, linkerd", "", "consul"]) == ("istio", "linkerd", "consul")
    assert local.values(None) == ()


def test_content_id_is_a_canonical_uuid() -> None:
    raw = uuid.uuid4()
    assert local.content_id(str(raw).upper()) == str(raw)
    with pytest.raises(errors.ErrCatalogBodyInvalid):
        local.content_id("../etc")


def test_query_string_repeats_lists_and_drops_empty_values() -> None:
    text = remote.query_string({"page": "1", "class": ["a", "b"], "search": "", "order": None})
    assert text == "page=1&class=a&class=b"


def test_items_of_a_provider_page() -> None:
    body = json.dumps({"page": 0, "patterns": [{"id": "1"}, "junk"]}).encode()
    assert service.items_of("pattern", Forwarded(200, body)) == [{"id": "1"}]
    assert service.items_of("filter", Forwarded(200, b"[]")) == []
    assert service.items_of("pattern", Forwarded(200, b"not json")) == []
    assert service.items_of("filter", {"filters": [{"id": "2"}]}) == [{"id": "2"}]


def test_kinds_name_their_capabilities() -> None:
    assert sorted(KINDS) == ["filter", "pattern"]
    assert (kind("pattern").catalog_feature, kind("filter").share_feature) == (
        "meshery-patterns-catalog",
        "share-filters",
    )
    with pytest.raises(errors.ErrCatalogContentNotFound):
        kind("application")
